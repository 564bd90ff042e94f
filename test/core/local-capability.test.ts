// Callers ask a backend for the local control plane's capability (`backend.local`) instead of
// asking whether it is "the local backend": features that need it say so clearly, features that
// can do without it (xDS change watching, endpoint lookup) fall back to the API.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Backend, CallContext, Input, Output } from '../../src/backends/backend';
import { openLocalBackend } from '../../src/backends/local';
import { App } from '../../src/core/app';
import { ExitCode, UsageError } from '../../src/base/errors';
import type { Io } from '../../src/base/io';
import { runDemo } from '../../src/dataplane/local/demo-command';
import { runUp } from '../../src/dataplane/local/up-command';
import type { ServiceName } from '../../src/model/services';
import { defaultEndpointResolver } from '../../src/xds/endpoints';
import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

afterAll(cleanupHomes);

/** A backend that talks to some remote App Mesh: the API only, no local control plane. */
class RemoteOnlyBackend implements Backend {
  readonly kind = 'aws' as const;
  readonly calls: string[] = [];
  async invoke(_service: ServiceName, operation: string, _input: Input, _ctx: CallContext): Promise<Output> {
    this.calls.push(operation);
    return {};
  }

  async close(): Promise<void> {}
}

function appWith(backend: Backend, home: string): { app: App; stderr: () => string } {
  let err = '';
  const io: Io = {
    stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) },
    stdoutIsTTY: false, stderrIsTTY: false, env: cleanEnv(home), cwd: home,
  };
  return { app: new App(io, {}, { backend: () => backend }), stderr: () => err };
}

test('local up and local demo on a backend without the local control plane: a usage error naming what they need', async () => {
  const home = tempHome();
  const backend = new RemoteOnlyBackend();
  const up = await runUp(appWith(backend, home).app, { mesh: 'apps', quiet: true }, new Promise(() => undefined)).catch((e: unknown) => e);
  expect(up).toBeInstanceOf(UsageError);
  expect((up as UsageError).exitCode).toBe(ExitCode.PARAM);
  expect((up as Error).message).toBe('awsmesh local up needs the local backend (the control plane in AWSMESH_HOME), not --backend aws, --endpoint-url or AWSMESH_BACKEND=aws.');
  const demo = await runDemo(appWith(backend, home).app, { quiet: true }).catch((e: unknown) => e);
  expect(demo).toBeInstanceOf(UsageError);
  expect((demo as Error).message).toMatch(/^awsmesh local demo needs the local backend/);
  expect(backend.calls).toEqual([]); // refused before anything was sent
  expect(fs.readdirSync(home)).toEqual([]); // and nothing written
});

test('the CLI: `local up --backend aws` exits 252 with that message', async () => {
  const r = await runCli(['local', 'up', '--mesh', 'apps', '--backend', 'aws', '--region', 'us-east-1', '--quiet']);
  expect(r.code).toBe(252);
  expect(r.stderr).toContain('awsmesh local up needs the local backend');
});

test('the local backend offers the capability: its home, account and state location', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-capability-'));
  const backend = openLocalBackend({ AWSMESH_HOME: home, AWSMESH_ACCOUNT_ID: '444455556666' });
  try {
    expect(backend.local).toMatchObject({ home, account: '444455556666', location: path.join(home, 'state.db') });
    // A write is seen by a watcher: the xDS source and sidecars follow changes this way.
    const seen = new Promise<void>((resolve) => {
      const off = backend.local.watch(() => {
        off();
        resolve();
      });
    });
    await backend.invoke('appmesh', 'CreateMesh', { meshName: 'apps' }, { region: 'us-west-2' });
    await seen;
  } finally {
    await backend.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('features that can do without it fall back to the API: endpoint lookup answers with the DNS name', async () => {
  const backend = new RemoteOnlyBackend();
  const resolve = defaultEndpointResolver(backend);
  const snapshot = {
    mesh: { meshName: 'apps', spec: {} },
    virtualNodes: [{ virtualNodeName: 'b', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'b.apps.local' } } } }],
  };
  const endpoints = await resolve(snapshot as never, ['b'], { region: 'us-west-2' });
  expect(endpoints).toEqual({ b: [{ host: 'b.apps.local', port: 80, source: 'dns' }] });
  expect(backend.calls).toEqual([]);
});
