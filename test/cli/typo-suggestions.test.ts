// A mistyped service or operation name gets the AWS CLI's suggestion (issue 16 item 3):
// `Invalid choice: 'appmeshh', maybe you meant:\n\n  * appmesh`, exit 252. Real child processes; where
// /usr/bin/aws is installed its own ending is compared too.

import { spawnSync } from 'child_process';
import { AWS_CLI, awsCliEnv, awsCliPython } from '../helpers/awscli';
import { cleanupHomes, runBin, tempHome } from '../helpers/run-cli';

jest.setTimeout(60_000);
afterAll(() => cleanupHomes());

const CASES: Array<[string[], string]> = [
  [['appmeshh', 'list-meshes'], "Invalid choice: 'appmeshh', maybe you meant:\n\n  * appmesh\n\n"],
  [['servicediscover', 'list-namespaces'], "Invalid choice: 'servicediscover', maybe you meant:\n\n  * servicediscovery\n\n"],
  [['appmesh', 'describe-meshes'], "Invalid choice: 'describe-meshes', maybe you meant:\n\n  * describe-mesh\n\n"],
];

test.each(CASES)('awsmesh %j suggests the closest name', async (args, ending) => {
  const r = await runBin(args);
  expect(r.code).toBe(252);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith(ending)).toBe(true);
  expect(r.stderr).toMatch(/awsmesh: error: argument (command|operation): Invalid choice, valid choices are:\n\n {2}\S+ +\| \S+/);
});

test('the AWS CLI v2 ends its error the same way', () => {
  const aws = awsCliPython();
  if ('missing' in aws) {
    console.log(`not compared with the AWS CLI: ${aws.missing}`);
    return;
  }
  const home = tempHome();
  for (const [args, ending] of CASES) {
    const r = spawnSync(AWS_CLI, args, { env: awsCliEnv(home), encoding: 'utf8', timeout: 30_000 });
    expect({ args, code: r.status, ending: r.stderr.endsWith(ending) }).toEqual({ args, code: 252, ending: true });
  }
});
