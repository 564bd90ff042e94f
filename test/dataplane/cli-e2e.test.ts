// End to end with real processes: the walkthrough applied with `awsmesh appmesh …`, the sample
// apps, and one `awsmesh proxy` process per virtual node, all on loopback with ephemeral ports.
// Sidecars find each other through endpoint registration in the local control plane.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load, startApp, tally, viaProxy, type RunningApp } from './helpers';
import { applyWalkthrough, cli, get, startCliProxy, type RunningProxy } from './cli';
import { waitUntil } from '../helpers/wait';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-dp-e2e-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const apps: RunningApp[] = [];
const proxies: RunningProxy[] = [];
let a: RunningProxy;
let b: RunningProxy;



beforeAll(async () => {
  applyWalkthrough(env);
  apps.push(await startApp('serviceB'), await startApp('serviceBv2'));
  b = await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceB', '--app-port', String(apps[0].port), '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'], env);
  const b2 = await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceBv2', '--app-port', String(apps[1].port), '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'], env);
  // serviceA's identity the App Mesh way: APPMESH_RESOURCE_ARN (full ARN form).
  a = await startCliProxy(['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'], {
    ...env, APPMESH_RESOURCE_ARN: 'arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/serviceA',
  });
  proxies.push(b, b2, a);
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(apps.map((x) => x.stop()));
  fs.rmSync(home, { recursive: true, force: true });
});

test('75/25 split within ±3 points over 4,000 requests through serviceA\'s egress (HTTP_PROXY style)', async () => {
  const replies = await load(4000, 32, () => viaProxy(a.egress, 'http://serviceb.apps.local/'));
  const t = tally(replies);
  expect(t.serviceB + t.serviceBv2).toBe(4000);
  expect(t.serviceB / 4000).toBeGreaterThan(0.72);
  expect(t.serviceB / 4000).toBeLessThan(0.78);
}, 120_000); // 4,000 requests through three processes: minutes on a loaded 2-core machine, seconds on a quiet one

test('admin: /ready, /server_info, /config_dump with App Mesh names, /clusters', async () => {
  expect(await get(a.admin, '/ready')).toEqual({ status: 200, body: 'LIVE\n' });
  const info = JSON.parse((await get(a.admin, '/server_info')).body);
  expect(info.state).toBe('LIVE');
  expect(info.node.id).toBe('mesh/apps/virtualNode/serviceA');
  const dump = (await get(a.admin, '/config_dump')).body;
  expect(dump).toContain(`lds_egress_127.0.0.1_${a.egress}`);
  expect(dump).toContain(`rds_egress_http_${a.egress}`);
  expect(dump).toContain('cds_egress_apps_serviceBv2_http2_80');
  const clusters = (await get(a.admin, '/clusters')).body;
  expect(clusters).toContain(`cds_egress_apps_serviceB_http2_80::127.0.0.1:${b.ingress}::health_flags::healthy`);
  expect((await get(a.admin, '/nope')).status).toBe(404);
});

test('update-route (awsmesh appmesh update-route) under load: new split, zero failed requests', async () => {
  // serviceA's route weights as its sidecar applies them (it polls the control plane every second).
  const weights = async () => {
    const dump = JSON.parse((await get(a.admin, '/config_dump')).body);
    const routes = dump.configs.find((c: any) => c['@type'].endsWith('RoutesConfigDump')).dynamic_route_configs;
    const egress = routes.find((r: any) => r.route_config.name === `rds_egress_http_${a.egress}`).route_config;
    const route = egress.virtual_hosts.find((v: any) => v.name === 'serviceb.apps.local').routes[0];
    return route.route.weighted_clusters.clusters.map((c: any) => `${c.name.split('_')[3]}=${c.weight}`).join(' ');
  };
  expect(await weights()).toBe('serviceB=75 serviceBv2=25');
  let applied: Promise<unknown> | undefined;
  const replies = await load(2000, 16, async (i) => {
    if (i === 500 && !applied) {
      const r = cli(['appmesh', 'update-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB',
        '--spec', JSON.stringify({ http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 25 }, { virtualNode: 'serviceBv2', weight: 75 }] } } })], env);
      expect(r.status).toBe(0);
      applied = waitUntil(async () => (await weights()) === 'serviceB=25 serviceBv2=75', { describe: 'serviceA\'s sidecar to have the 25/75 route', timeoutMs: 10_000 });
      applied.catch(() => undefined); // awaited (and reported) after the load
    }
    return viaProxy(a.egress, 'http://serviceb.apps.local/');
  });
  expect(replies.filter((r) => r.status !== 200)).toEqual([]);
  // Once the sidecar has the change (how many requests that takes depends on the machine's
  // speed), requests follow the new 25/75 split.
  await applied;
  const late = tally(await load(1500, 16, () => viaProxy(a.egress, 'http://serviceb.apps.local/')));
  expect(late.serviceB + late.serviceBv2).toBe(1500);
  const v2 = late.serviceBv2 / 1500;
  expect(v2).toBeGreaterThan(0.69);
  expect(v2).toBeLessThan(0.81);
}, 120_000); // 3,500 requests, as above

test('awsmesh proxy --virtual-gateway: gateway routes rewrite and reach the mesh', async () => {
  expect(cli(['appmesh', 'create-virtual-gateway', '--mesh-name', 'apps', '--virtual-gateway-name', 'gw',
    '--spec', JSON.stringify({ listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] })], env).status).toBe(0);
  expect(cli(['appmesh', 'create-gateway-route', '--mesh-name', 'apps', '--virtual-gateway-name', 'gw', '--gateway-route-name', 'b',
    '--spec', JSON.stringify({ httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: 'serviceb.apps.local' } } } } })], env).status).toBe(0);
  const gw = await startCliProxy(['--mesh', 'apps', '--virtual-gateway', 'gw', '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'], env);
  proxies.push(gw);
  const replies = await load(50, 4, () => viaProxy(gw.ingress!, 'http://shop.example.com/b/x'));
  for (const r of replies) {
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(['serviceB', 'serviceBv2']).toContain(body.service);
    expect(body).toMatchObject({ path: '/x', host: 'serviceb.apps.local' });
  }
  expect((await get(gw.ingress!, '/elsewhere')).status).toBe(404);
});

test('a stopped sidecar deregisters: callers drop it at once', async () => {
  const b2 = proxies[1];
  expect(await b2.stop()).toBe(0);
  await waitUntil(async () => !(await get(a.admin, '/clusters')).body.includes('cds_egress_apps_serviceBv2_http2_80::127.0.0.1:'), { describe: 'serviceA\'s sidecar to drop the stopped serviceBv2', timeoutMs: 5000 });
  const replies = await load(200, 8, () => viaProxy(a.egress, 'http://serviceb.apps.local/'));
  // serviceBv2 has no endpoint left: its share fails fast with Envoy's 503, serviceB's share works.
  const t = tally(replies);
  expect(t.serviceB).toBeGreaterThan(20);
  expect(t['status 503']).toBeGreaterThan(100);
  expect(replies.find((r) => r.status === 503)!.body).toBe('no healthy upstream');
});

describe('errors: AWS-style messages and exit codes, no stack traces', () => {
  test('unknown virtual node → 254 NotFoundException', () => {
    const r = cli(['proxy', '--mesh', 'apps', '--virtual-node', 'nope', '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'], env);
    expect(r.status).toBe(254);
    expect(r.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeVirtualNode operation:');
    expect(r.stderr).toContain('nope');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('unknown mesh → 254', () => {
    const r = cli(['proxy', '--mesh', 'ghost', '--virtual-node', 'serviceA'], env);
    expect(r.status).toBe(254);
    expect(r.stderr).toContain('(NotFoundException) when calling the DescribeMesh operation');
  });

  test('bad options → 252', () => {
    expect(cli(['proxy'], { ...env, APPMESH_RESOURCE_ARN: '' }).status).toBe(252);
    expect(cli(['proxy', '--mesh', 'apps'], env).stderr).toContain('--virtual-node or --virtual-gateway');
    const badPort = cli(['proxy', '--mesh', 'apps', '--virtual-node', 'serviceB', '--ingress-port', '70000'], env);
    expect(badPort.status).toBe(252);
    expect(badPort.stderr).toContain("argument --ingress-port: expected a port number from 0 to 65535, got '70000'");
    const badArn = cli(['proxy'], { ...env, APPMESH_RESOURCE_ARN: 'serviceB' });
    expect(badArn.status).toBe(252);
    expect(badArn.stderr).toContain("APPMESH_RESOURCE_ARN 'serviceB' is not");
    const appPort = cli(['proxy', '--mesh', 'apps', '--virtual-node', 'serviceB', '--app-port', '81=9000'], env);
    expect(appPort.status).toBe(252);
    expect(appPort.stderr).toContain('the node has no listener on port 81');
  });

  test('a busy explicit port → 255 with the address', () => {
    const r = cli(['proxy', '--mesh', 'apps', '--virtual-node', 'serviceB', '--ingress-port', String(a.egress), '--egress-port', '0', '--admin-port', '0'], env);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(`Could not listen on 127.0.0.1:${a.egress}: the address is already in use`);
  });
});
