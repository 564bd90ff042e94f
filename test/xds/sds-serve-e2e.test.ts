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
  child.stderr!.on('data', (d) => (stderr += d));
  // Start-up takes as long as it takes on a busy machine: wait for the line (or the exit), not a fixed time.
  const port = await new Promise<string>((resolve, reject) => {
    child!.stdout!.on('data', (d) => {
      stdout += d;
      const m = /xds listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child!.once('exit', (code) => reject(new Error(`local serve exited with ${code} before listening:\n${stderr}`)));
  });

  client = new AdsClient(`127.0.0.1:${port}`, { id: 'mesh/apps/virtualNode/front' }).start();
  const r = await client.waitFor((x) => x.type_url === TYPE_URLS.secret && x.resources.length === 2);
  const [trust, cert] = AdsClient.decode(r);
  expect([trust.name, cert.name]).toEqual([PCA_ARN, ARN_FRONT]);
  const ca = CaStore.forHome(home);
  expect(trust.validation_context.trusted_ca.inline_string).toBe(ca.rootPem());
  expect(new X509Certificate(cert.tls_certificate.certificate_chain.inline_string).serialNumber).toBe(ca.byAcmArn(ARN_FRONT)!.serialNumber);
  // The log line comes on its own pipe, which may be read after the gRPC response: wait for it.
  for (const end = Date.now() + 10_000; !stderr.includes('ACM is emulated') && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  expect(stderr).toContain(`ACM is emulated: the local CA issued certificate`);
  expect(stderr).not.toContain('PRIVATE KEY');
}, 30_000);
