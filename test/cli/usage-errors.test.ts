// Command-line mistakes: AWS CLI messages, exit 252, nothing sent (no state is created).

import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

afterAll(cleanupHomes);

const USAGE_HEAD = '\nusage: awsmesh [options] <command> <subcommand> [<subcommand> ...] [parameters]';

/** Runs with a fresh home and asserts that no state was written. */
async function rejected(args: string[], cwd?: string) {
  const home = tempHome();
  const r = await runCli(args, { home, cwd });
  expect(r.code).toBe(252);
  expect(r.stdout).toBe('');
  expect(fs.existsSync(path.join(home, 'state.db'))).toBe(false);
  return r.stderr;
}

describe('usage errors', () => {
  test('no command', async () => {
    const err = await rejected([]);
    expect(err.startsWith(USAGE_HEAD)).toBe(true);
    expect(err).toContain('awsmesh: error: the following arguments are required: command');
  });

  test('no operation', async () => {
    expect(await rejected(['appmesh'])).toContain('awsmesh: error: the following arguments are required: operation');
  });

  test('unknown operation suggests the closest one', async () => {
    const err = await rejected(['appmesh', 'describe-meshes']);
    expect(err).toContain('argument operation: Invalid choice, valid choices are:');
    expect(err).toContain("Invalid choice: 'describe-meshes', maybe you meant:\n\n  * describe-mesh");
  });

  test('unknown command', async () => {
    expect(await rejected(['appmeshh', 'list-meshes'])).toContain("Invalid choice: 'appmeshh'");
  });

  test('missing required flags are listed in model order', async () => {
    expect(await rejected(['appmesh', 'create-virtual-node', '--mesh-name', 'apps'])).toContain(
      'awsmesh: error: the following arguments are required: --spec, --virtual-node-name',
    );
  });

  test('unknown options with their values', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--bogus', '1'])).toContain('awsmesh: error: Unknown options: --bogus, 1');
  });

  test('a flag without its value', async () => {
    expect(await rejected(['appmesh', 'describe-mesh', '--mesh-name'])).toContain('argument --mesh-name: expected one argument');
  });

  test('bad --output choice', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--output', 'xml'])).toContain('argument --output: Invalid choice');
  });

  test('bad --query expression, checked before anything runs', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--query', 'meshes['])).toContain('Bad value for --query meshes[: Invalid jmespath expression');
  });

  test('--no-paginate with paging arguments', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--no-paginate', '--max-items', '1'])).toContain(
      'Cannot specify --no-paginate along with pagination arguments: --max-items',
    );
  });

  test('bad --generate-cli-skeleton choice', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--generate-cli-skeleton', 'xml'])).toContain(
      'argument --generate-cli-skeleton: Invalid choice, valid choices are: input | output | yaml-input',
    );
  });
});

describe('parameter parsing errors', () => {
  test('invalid inline JSON for a structure flag', async () => {
    const err = await rejected(['appmesh', 'create-mesh', '--mesh-name', 'a', '--spec', '{bad']);
    expect(err).toContain("Error parsing parameter '--spec': Invalid JSON:");
    expect(err).toContain('JSON received: {bad');
  });

  test('missing file:// file', async () => {
    expect(await rejected(['appmesh', 'create-mesh', '--cli-input-json', 'file://does-not-exist.json'])).toContain(
      "Error parsing parameter '--cli-input-json': Unable to load paramfile file://does-not-exist.json: [Errno 2] No such file or directory: 'does-not-exist.json'",
    );
  });

  test('invalid JSON and YAML documents, and both at once', async () => {
    expect(await rejected(['appmesh', 'create-mesh', '--cli-input-json', '{'])).toContain("Error parsing parameter 'cli-input-json': Invalid JSON received.");
    expect(await rejected(['appmesh', 'create-mesh', '--cli-input-yaml', 'a: [b'])).toContain("Error parsing parameter 'cli-input-yaml': Invalid YAML received.");
    expect(await rejected(['appmesh', 'create-mesh', '--cli-input-json', '{}', '--cli-input-yaml', 'a: 1'])).toContain('Only one --cli-input- parameter may be specified.');
    expect(await rejected(['appmesh', 'create-mesh', '--cli-input-json', '[1]'])).toContain("Invalid type: expecting map, received <class 'list'>");
  });

  test('bad shorthand points at the problem', async () => {
    const err = await rejected(['appmesh', 'create-mesh', '--mesh-name', 'a', '--spec', 'egressFilter']);
    expect(err).toContain("Error parsing parameter '--spec': Expected: '=', received: 'EOF' for input:\negressFilter\n            ^");
  });

  test('non-integer integer flag', async () => {
    expect(await rejected(['appmesh', 'list-meshes', '--limit', 'abc'])).toContain("Error parsing parameter '--limit': expected an integer, received 'abc'");
  });

  test('validation problems from a file name the file and suggest fixes', async () => {
    const dir = tempHome('awsmesh-input-');
    fs.writeFileSync(path.join(dir, 'node.json'), JSON.stringify({
      meshName: 'apps',
      virtualNodeName: 'serviceB',
      spec: { listner: [], listeners: [{ portMapping: { port: '80', protocol: 'http2' } }] },
    }));
    const err = await rejected(['appmesh', 'create-virtual-node', '--cli-input-json', 'file://node.json'], dir);
    expect(err).toBe([
      '',
      'Parameter validation failed:',
      'Unknown parameter in spec: "listner", must be one of: backendDefaults, backends, listeners, logging, serviceDiscovery. Did you mean "listeners"? (in file://node.json)',
      "Invalid type for parameter spec.listeners[0].portMapping.port, value: 80, type: <class 'str'>, valid types: <class 'int'>. Write it as a number without quotes: 80 (in file://node.json)",
      '',
    ].join('\n'));
  });
});

describe('help', () => {
  test('service help lists every operation with a summary', async () => {
    const r = await runCli(['appmesh', 'help']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^ {2}[a-z-]+ {2,}\S/gm)).toHaveLength(38);
    expect(r.stdout).toContain('create-virtual-node');
  });

  test('operation help shows flags, types and required marks', async () => {
    for (const form of [['help'], ['--help']]) {
      const r = await runCli(['appmesh', 'create-virtual-node', ...form]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--mesh-name (string) [required]');
      expect(r.stdout).toContain('--spec (structure) [required]');
      expect(r.stdout).toContain('--tags (list of structures)');
    }
  });

  test('global help and version', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('appmesh');
    const v = await runCli(['--version']);
    expect(v.stdout).toMatch(/^awsmesh\/\d+\.\d+\.\d+ Node\.js\/\d+/);
  });
});
