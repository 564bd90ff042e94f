// End to end: `awsmesh local serve --xds-port` as a real child process (needs `npm run build`)
// serves an Envoy-like client the Secrets of its TLS node from the CA of the home it runs on.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { X509Certificate } from 'crypto';
import { TYPE_URLS } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { CaStore } from '../../src/tls/ca/store';
import { BIN, cleanEnv, ROOT } from '../helpers/run-cli';
import { ARN_FRONT, createTlsMesh, PCA_ARN } from './helpers/tls-mesh';

let home: string;
let child: ChildProcess | undefined;
let client: AdsClient | undefined;
let stderr = '';

beforeAll(async () => {
  const mesh = await createTlsMesh('awsmesh-sds-e2e-');
  home = mesh.home;
  await mesh.backend.close();
});

afterAll(async () => {
  client?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(home, { recursive: true, force: true });
});

test('local serve --xds-port: ACM and PCA Secrets from $AWSMESH_HOME/ca, issued on first use', async () => {
  child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0', '--xds-port', '0'], {
    cwd: ROOT, env: cleanEnv(home), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  for (let i = 0; i < 250 && !/xds listening on/.test(stdout); i++) await new Promise((r) => setTimeout(r, 20));
  const port = /xds listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
  expect(port).toBeDefined();

  client = new AdsClient(`127.0.0.1:${port}`, { id: 'mesh/apps/virtualNode/front' }).start();
  const r = await client.waitFor((x) => x.type_url === TYPE_URLS.secret && x.resources.length === 2);
  const [trust, cert] = AdsClient.decode(r);
  expect([trust.name, cert.name]).toEqual([PCA_ARN, ARN_FRONT]);
  const ca = CaStore.forHome(home);
  expect(trust.validation_context.trusted_ca.inline_string).toBe(ca.rootPem());
  expect(new X509Certificate(cert.tls_certificate.certificate_chain.inline_string).serialNumber).toBe(ca.byAcmArn(ARN_FRONT)!.serialNumber);
  expect(stderr).toContain(`ACM is emulated: the local CA issued certificate`);
  expect(stderr).not.toContain('PRIVATE KEY');
}, 20_000);
