# Runs many AWS CLI v2 command lines in one Python process: the entry point /usr/bin/aws calls
# (awscli.clidriver.AWSCLIEntryPoint().main), once per command line, with stdout/stderr captured.
# Starting the CLI costs ~1 s of Python imports and building its driver (~300 service command
# tables) another ~0.1 s; a comparison of hundreds of command lines would otherwise spend minutes
# on start-up alone on a busy machine. The command lines share one driver, so one session: a
# --region or --profile given on one line would stick to the next (give them to all lines or none).
#
# stdin: a JSON list of argument lists (without "aws"); stdout: a JSON list of
# {"code", "stdout", "stderr"} in the same order. Run it with the interpreter named on
# /usr/bin/aws's first line (plain python3 on PATH may be another Python without awscli v2).
import io
import json
import sys

from awscli.clidriver import AWSCLIEntryPoint, create_clidriver


def run(driver, argv):
    out, err = io.StringIO(), io.StringIO()
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = AWSCLIEntryPoint(driver).main(argv)
    except SystemExit as e:
        code = e.code
    finally:
        sys.stdout, sys.stderr = real
    return {'code': code, 'stdout': out.getvalue(), 'stderr': err.getvalue()}


def main():
    sys.argv[0] = 'aws'  # argparse names the program after argv[0] in usage errors
    calls = json.load(sys.stdin)
    driver = create_clidriver()
    json.dump([run(driver, argv) for argv in calls], sys.stdout)


if __name__ == '__main__':
    main()
