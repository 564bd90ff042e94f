// Issue 14, item 11: integers the model's integer/long cannot hold exactly, YAML tags outside the
// core schema, a bad --color, and an AWSMESH_HOME that is a file, writable by others, or holds
// another user's state file — each refused with a clear message instead of being used.

import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { nobody, skippedWithoutRoot, writeFile } from './helpers';

afterAll(cleanupHomes);

describe('integers', () => {
  test('a route timeout of 2^63 and maxRetries of 2^64 are refused, not stored rounded', async () => {
    const spec = JSON.stringify({
      httpRoute: {
        match: { prefix: '/' },
        action: { weightedTargets: [{ virtualNode: 'n', weight: 1 }] },
        timeout: { perRequest: { unit: 'ms', value: 0 } },
        retryPolicy: { maxRetries: 0, perRetryTimeout: { unit: 'ms', value: 1 }, httpRetryEvents: ['server-error'] },
      },
    }).replace('"value":0', '"value":9223372036854775808').replace('"maxRetries":0', '"maxRetries":18446744073709551616');
    const r = await runCli(['appmesh', 'create-route', '--mesh-name', 'm', '--virtual-router-name', 'r', '--route-name', 'x', '--spec', spec]);
    expect(r.stderr).toContain('Invalid value for parameter spec.httpRoute.timeout.perRequest.value, value: 9223372036854776000, valid max value: 9007199254740991');
    expect(r.stderr).toContain('Invalid value for parameter spec.httpRoute.retryPolicy.maxRetries, value: 18446744073709552000, valid max value: 9007199254740991');
    expect(r.code).toBe(252);
  });

  test('shorthand integers beyond 2^53 are refused too; 2^53 - 1 is accepted by validation', async () => {
    const base = ['appmesh', 'create-route', '--mesh-name', 'm', '--virtual-router-name', 'r', '--route-name', 'x', '--spec'];
    const at = (n: string) => `httpRoute={match={prefix=/},action={weightedTargets=[{virtualNode=n,weight=1}]},timeout={idle={unit=s,value=${n}}}}`;
    const big = await runCli([...base, at('9007199254740993')]);
    expect(big.stderr).toContain('valid max value: 9007199254740991');
    expect(big.code).toBe(252);
    const max = await runCli([...base, at('9007199254740991')]);
    expect(max.stderr).toContain('NotFoundException'); // validation passed; the mesh does not exist
    expect(max.code).toBe(254);
  });
});

describe('YAML tags', () => {
  test('!!js/function, !!binary and other non-core tags are exit 252, not a raw warning', async () => {
    const fn = await runCli(['appmesh', 'create-mesh', '--cli-input-yaml', 'meshName: !!js/function "function () { return 1 }"']);
    expect(fn.stderr).toContain('unsupported tag !!js/function');
    expect(fn.stderr).not.toMatch(/Unresolved tag/);
    expect(fn.code).toBe(252);
    const dir = tempHome('awsmesh-yaml-');
    writeFile(dir, 'mesh.yaml', 'meshName: m\nspec: !!binary aGVsbG8=\n');
    const apply = await runCli(['apply', '-f', path.join(dir, 'mesh.yaml'), '--yes'], { home: dir });
    expect(apply.stderr).toContain('mesh.yaml:2:7: Invalid YAML: unsupported tag !!binary');
    expect(apply.code).toBe(252);
    const list = await runCli(['appmesh', 'list-meshes'], { home: dir });
    expect(JSON.parse(list.stdout).meshes).toEqual([]);
  });

  test('core tags still work', async () => {
    const r = await runCli(['appmesh', 'create-mesh', '--cli-input-yaml', 'meshName: !!str m1']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).mesh.meshName).toBe('m1');
  });
});

describe('--color', () => {
  test('an unknown mode is exit 252 like any bad choice, for service and other commands', async () => {
    const svc = await runCli(['--color', 'purple', 'appmesh', 'list-meshes']);
    expect(svc.stderr).toContain("argument --color: Invalid choice, valid choices are: on | off | auto (got 'purple')");
    expect(svc.code).toBe(252);
    const local = await runCli(['local', 'status', '--color=purple']);
    expect(local.stderr).toContain('argument --color: Invalid choice');
    expect(local.code).toBe(252);
    expect((await runCli(['--color', 'off', 'appmesh', 'list-meshes'])).code).toBe(0);
  });
});

describe('AWSMESH_HOME', () => {
  test('a file says so (exit 253), instead of a raw EEXIST', async () => {
    const dir = tempHome('awsmesh-home-');
    const file = writeFile(dir, 'not-a-dir', '');
    for (const home of [file, path.join(file, 'below')]) {
      const r = await runCli(['appmesh', 'list-meshes'], { home });
      expect(r.stderr).toContain(`The awsmesh home ${home} (AWSMESH_HOME) is`);
      expect(r.stderr).toContain('not a directory');
      expect(r.stderr).not.toContain('EEXIST');
      expect(r.code).toBe(253);
    }
  });

  test('a home writable by others is refused like ssh refuses ~/.ssh; 0700 and 0755 are used', async () => {
    const home = tempHome('awsmesh-home-');
    fs.chmodSync(home, 0o777);
    const r = await runCli(['appmesh', 'list-meshes'], { home });
    expect(r.stderr).toContain(`The awsmesh home ${home} is writable by other users (mode 777)`);
    expect(r.stderr).toContain(`chmod go-w ${home}`);
    expect(r.code).toBe(253);
    expect(fs.existsSync(path.join(home, 'state.db'))).toBe(false);
    const ca = await runCli(['local', 'ca', 'init'], { home });
    expect(ca.code).toBe(253);
    fs.chmodSync(home, 0o755);
    expect((await runCli(['appmesh', 'list-meshes'], { home })).code).toBe(0);
  });

  test('a new home is created 0700 and its state file 0600', async () => {
    const home = path.join(tempHome('awsmesh-home-'), 'new');
    expect((await runCli(['appmesh', 'list-meshes'], { home })).code).toBe(0);
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(home, 'state.db')).mode & 0o777).toBe(0o600);
  });

  test("a state file or home owned by another user is refused (root only: needs another user's files)", async () => {
    if (skippedWithoutRoot('state file owned by another user')) return;
    const other = nobody()!;
    const home = tempHome('awsmesh-home-');
    expect((await runCli(['appmesh', 'list-meshes'], { home })).code).toBe(0);
    fs.chownSync(path.join(home, 'state.db'), other.uid, other.gid);
    const r = await runCli(['appmesh', 'list-meshes'], { home });
    expect(r.stderr).toContain(`The state file ${path.join(home, 'state.db')} belongs to another user (uid ${other.uid})`);
    expect(r.code).toBe(253);
    const theirs = tempHome('awsmesh-home-');
    fs.chownSync(theirs, other.uid, other.gid);
    const r2 = await runCli(['appmesh', 'list-meshes'], { home: theirs });
    expect(r2.stderr).toContain(`The awsmesh home ${theirs} belongs to another user (uid ${other.uid})`);
    expect(r2.code).toBe(253);
  });
});
