// A sidecar following a remote control plane (`awsmesh local serve`, reached with --endpoint-url
// through the aws backend): it loads the mesh over the App Mesh wire protocol and polls for changes.

import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startServe, stopServes } from '../helpers/serve-process';
import { applyWalkthrough, cli, startCliProxy, type RunningProxy } from './cli';
import { waitUntil } from '../helpers/wait';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-dp-remote-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
let url: string;
let proxy: RunningProxy;

function json(port: number, p: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b)));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  applyWalkthrough(env);
  url = (await startServe({ args: ['--quiet'], env, inheritStderr: true })).url;
  proxy = await startCliProxy(['--endpoint-url', url, '--region', 'us-west-2', '--mesh', 'apps', '--virtual-node', 'serviceA',
    '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0', '--poll-interval', '200'], env);
}, 30_000);

afterAll(async () => {
  await proxy?.stop();
  await stopServes();
  fs.rmSync(home, { recursive: true, force: true });
});

test('loads the mesh over the wire and follows update-route by polling', async () => {
  const info = await json(proxy.admin, '/server_info');
  expect(info.control_plane).toBe('remote');
  const weights = async () => {
    const dump = await json(proxy.admin, '/config_dump');
    const routes = dump.configs.find((c: any) => c['@type'].endsWith('RoutesConfigDump')).dynamic_route_configs;
    const egress = routes.find((r: any) => r.route_config.name.startsWith('rds_egress_http_')).route_config;
    return egress.virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((c: any) => c.weight);
  };
  expect(await weights()).toEqual([75, 25]);
  const r = cli(['--endpoint-url', url, '--region', 'us-west-2', 'appmesh', 'update-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB',
    '--spec', JSON.stringify({ http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 10 }, { virtualNode: 'serviceBv2', weight: 90 }] } } })], env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  let w: number[] = [];
  await waitUntil(async () => (w = await weights())[0] === 10, { describe: 'the polling proxy to have the new weights', timeoutMs: 5000, intervalMs: 50, observe: () => w });
  expect(w).toEqual([10, 90]);
});
