// The ADS server reading App Mesh through an App Mesh API endpoint (the aws backend with
// --endpoint-url, here a real `local serve` HTTP server): changes are found by polling resource
// versions and pushed like local ones.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createAwsBackend } from '../../src/backends/aws';
import type { Backend } from '../../src/backends/backend';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { loadProfile } from '../../src/base/aws-config';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { startAdsServer, TYPE_URLS, type AdsServerHandle } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { loadWalkthrough, REGION, WALKTHROUGH } from '../envoy/helpers/corpus-mesh';

let home: string;
let local: LocalBackend;
let server: RunningServer;
let remote: Backend;
let ads: AdsServerHandle;
let client: AdsClient | undefined;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-xds-remote-'));
  local = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333' });
  await loadWalkthrough({ home, backend: local, call: (op, input) => local.invoke('appmesh', op, input, { region: REGION }), close: async () => undefined });
  server = await startServer({ backend: local, host: '127.0.0.1', port: 0, defaultRegion: REGION, version: 'test' });
  const env = {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
  };
  remote = createAwsBackend({ env, region: REGION, profile: loadProfile('default', env), endpointUrl: server.url, verifySsl: true, signRequest: true });
  ads = await startAdsServer({ backend: remote, region: REGION, pollIntervalMs: 100 });
});

afterAll(async () => {
  client?.close();
  await ads?.close();
  await remote?.close();
  await server?.close();
  await local?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('config comes through the API, and an update-route made on the server is pushed', async () => {
  client = new AdsClient(ads.address, { id: 'mesh/apps/virtualNode/serviceA' }).start();
  const rds = await client.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration);
  const weights = (r: typeof rds) => AdsClient.decode(r)[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((c: any) => c.weight.value);
  expect(weights(rds)).toEqual([75, 25]);

  const update = JSON.parse(fs.readFileSync(path.join(WALKTHROUGH, 'update-route.json'), 'utf8'));
  update.spec.http2Route.action.weightedTargets[0].weight = 40;
  update.spec.http2Route.action.weightedTargets[1].weight = 60;
  const since = client.responses.length;
  await local.invoke('appmesh', 'UpdateRoute', update, { region: REGION });
  const pushed = await client.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 5000, since);
  expect(weights(pushed)).toEqual([40, 60]);
  expect(pushed.version_info).toBe('2');
});
