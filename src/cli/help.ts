// Help texts for services and operations, built from the generated operation tables.

import { UsageError } from '../base/errors';
import { getService, getShape, type ServiceName } from '../model/services';
import type { OperationDefinition, OperationParam } from '../model/types';

const SERVICE_TITLES: Record<ServiceName, string> = {
  appmesh: 'AWS App Mesh: meshes, virtual services, virtual routers, routes, virtual nodes, virtual gateways, gateway routes.',
  iam: 'AWS IAM: users, access keys, roles and policies of App Mesh set-ups (and `awsmesh serve` callers).',
  servicediscovery: 'AWS Cloud Map: namespaces, services and the instances registered for them.',
  sts: 'AWS STS: who the caller is (get-caller-identity), for scripts that read the account id.',
};

export const USAGE = `
usage: awsmesh [options] <command> <subcommand> [<subcommand> ...] [parameters]
To see help text, you can run:

  awsmesh help
  awsmesh <command> help
  awsmesh <command> <subcommand> help
`;

export function serviceHelp(service: ServiceName): string {
  const ops = Object.values(getService(service).operations).sort((a, b) => a.cli.localeCompare(b.cli));
  const width = Math.max(...ops.map((o) => o.cli.length)) + 2;
  const lines = ops.map((o) => `  ${o.cli.padEnd(width)}${o.summary}`);
  return `awsmesh ${service} <operation> [parameters]\n\n${SERVICE_TITLES[service]}\n\nOperations:\n${lines.join('\n')}\n\n`
    + `Run \`awsmesh ${service} <operation> help\` for an operation's parameters.\n`;
}

function typeLabel(p: OperationParam): string {
  if (p.type === 'list') return `list of ${p.itemType === 'structure' ? 'structures' : `${p.itemType}s`}`;
  return p.type === 'long' ? 'integer' : p.type;
}

function flagSynopsis(p: OperationParam): string {
  if (p.type === 'boolean') return `--${p.flag} | --no-${p.flag}`;
  const arg = p.type === 'list' ? ` <value> [<value> ...]` : ` <value>`;
  return `--${p.flag}${arg}`;
}

export function operationHelp(service: ServiceName, op: OperationDefinition): string {
  const params = op.params.filter((p) => !p.hidden);
  const synopsis = params.map((p) => (p.required ? `    ${flagSynopsis(p)}` : `    [${flagSynopsis(p)}]`));
  synopsis.push('    [--cli-input-json <value> | --cli-input-yaml <value>]');
  if (op.paginator) synopsis.push('    [--starting-token <value>]', '    [--page-size <value>]', '    [--max-items <value>]');
  synopsis.push('    [--generate-cli-skeleton <input|yaml-input|output>]');
  const members = op.input ? getShape(service, op.input).members ?? {} : {};
  // Only on the help path: main.ts loads this module at start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { shapeStructure } = require('./shape-help') as typeof import('./shape-help');
  const details = params.map((p) => {
    const req = p.required ? ' [required]' : '';
    const text = p.description ? `\n      ${p.description}` : '';
    const ref = members[p.member];
    const structure = ref ? shapeStructure(service, ref.shape, 8) : [];
    const tree = structure.length ? `\n      Structure:\n${structure.join('\n')}` : '';
    return `  --${p.flag} (${typeLabel(p)})${req}${text}${tree}`;
  });
  if (op.paginator) {
    details.push('  --starting-token (string)\n      Resume a listing from the NextToken an earlier --max-items call printed.');
    details.push('  --page-size (integer)\n      Items per request; all pages are still fetched.');
    details.push('  --max-items (integer)\n      Stop after this many items and print a NextToken to continue.');
  }
  details.push('  --cli-input-json | --cli-input-yaml (string)\n      The whole input as JSON/YAML, inline or file://; flags override its top-level keys.');
  details.push('  --generate-cli-skeleton (string)\n      Print an input template (input, yaml-input) or a sample result (output) and exit.');
  const structures = params.filter((p) => p.type === 'structure' || p.type === 'map' || (p.type === 'list' && p.itemType === 'structure'));
  const shorthandNote = structures.length
    ? '\nStructure parameters take JSON, file://path, or shorthand such as key=value,key2={nested=value}.\n'
    : '';
  return `awsmesh ${service} ${op.cli}\n\n${op.summary}\n\nSynopsis:\n  awsmesh ${service} ${op.cli}\n${synopsis.join('\n')}\n\n`
    + `Options:\n${details.join('\n')}\n${shorthandNote}\nGlobal options (--output, --query, --region, --profile, --endpoint-url, --backend, …): see \`awsmesh help\`.\n`;
}

export const GLOBAL_HELP = `awsmesh — AWS App Mesh, IAM and Cloud Map commands, with a local control plane.

usage: awsmesh [options] <command> <subcommand> [parameters]

Commands:
{commands}

Global options:
  --backend local|aws        Where calls go (env AWSMESH_BACKEND; default local; --endpoint-url implies aws)
  --region <region>          Region (local default: us-west-2)
  --profile <name>           Profile from ~/.aws/config and ~/.aws/credentials
  --endpoint-url <url>       Send calls to this endpoint (an \`awsmesh local serve\`, or AWS)
  --store <url>              Local state: sqlite:PATH or postgres://USER@HOST/DB (env AWSMESH_STORE_URL)
  --output <format>          json | text | table | yaml | yaml-stream
  --query <expression>       JMESPath expression applied to the result
  --no-paginate              Make a single call instead of fetching every page
  --color on|off|auto        Colour in table output (NO_COLOR is honoured)
  --debug                    Log requests and show stack traces on errors
  --no-cli-pager             Accepted for compatibility; awsmesh never pages
  --no-verify-ssl, --no-sign-request, --ca-bundle, --cli-read-timeout, --cli-connect-timeout
  --version                  Print the version

Exit codes: 0 ok, 252 bad parameters, 253 missing region/credentials, 254 service error, 255 other error, 130 interrupted.
`;

/**
 * argparse's invalid-choice error as the AWS CLI words it: the choices in two columns, then the
 * closest one (`maybe you meant:`), for a command (`appmeshh`) or an operation (`describe-meshes`).
 */
export function invalidChoice(argument: string, names: string[], name: string): UsageError {
  const half = Math.ceil(names.length / 2);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const rows = names.slice(0, half).map((n, i) => `  ${n.padEnd(width)}| ${names[half + i] ?? ''}`.trimEnd());
  // Only on this error path: the suggestion code stays off the start path.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { closest } = require('../validation/messages') as typeof import('../validation/messages');
  const guess = closest(name, names);
  const hint = guess ? `\n\nInvalid choice: '${name}', maybe you meant:\n\n  * ${guess}\n` : `\n\nInvalid choice: '${name}'`;
  return new UsageError(`argument ${argument}: Invalid choice, valid choices are:\n\n${rows.join('\n')}${hint}`);
}
