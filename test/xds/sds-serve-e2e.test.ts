// End to end: `awsmesh local serve --xds-port` as a real child process (needs `npm run build`)
// serves an Envoy-like client the Secrets of its TLS node from the CA of the home it runs on.

import * as fs from 'fs';
import { X509Certificate } from 'crypto';
import { TYPE_URLS } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { CaStore } from '../../src/tls/ca/store';
import { cleanEnv } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';
import { waitUntil } from '../helpers/wait';
import { ARN_FRONT, createTlsMesh, PCA_ARN } from './helpers/tls-mesh';

let home: string;
let client: AdsClient | undefined;

beforeAll(async () => {
  const mesh = await createTlsMesh('awsmesh-sds-e2e-');
  home = mesh.home;
  await mesh.backend.close();
});

afterAll(async () => {
  client?.close();
  await stopServes();
  fs.rmSync(home, { recursive: true, force: true });
});

test('local serve --xds-port: ACM and PCA Secrets from $AWSMESH_HOME/ca, issued on first use', async () => {
  const served = await startServe({ args: ['--xds-port', '0'], env: cleanEnv(home) });
  const stderr = served.stderr;
  const port = served.xdsPort;

  client = new AdsClient(`127.0.0.1:${port}`, { id: 'mesh/apps/virtualNode/front' }).start();
  const r = await client.waitFor((x) => x.type_url === TYPE_URLS.secret && x.resources.length === 2);
  const [trust, cert] = AdsClient.decode(r);
  expect([trust.name, cert.name]).toEqual([PCA_ARN, ARN_FRONT]);
  const ca = CaStore.forHome(home);
  expect(trust.validation_context.trusted_ca.inline_string).toBe(ca.rootPem());
  expect(new X509Certificate(cert.tls_certificate.certificate_chain.inline_string).serialNumber).toBe(ca.byAcmArn(ARN_FRONT)!.serialNumber);
  // The log line comes on its own pipe, which may be read after the gRPC response: wait for it.
  await waitUntil(() => stderr().includes('ACM is emulated'), { describe: 'the "ACM is emulated" log line', observe: stderr });
  expect(stderr()).toContain(`ACM is emulated: the local CA issued certificate`);
  expect(stderr()).not.toContain('PRIVATE KEY');
}, 30_000);
