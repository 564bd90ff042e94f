// The console against a remote control plane: `awsmesh local serve --xds-port` as a child process,
// the console given only --endpoint-url (API calls through the aws backend, the xDS server found in
// the server's health document). Two Envoy-like ADS clients are connected, one of which rejects its
// clusters: the Proxies page shows one SYNCED and one NACKED with Envoy's reason; the topology and a
// weight change work through the endpoint like through the local store.

import { applyWalkthrough, cli } from '../dataplane/cli';
import { AdsClient } from '../../src/xds/ads-client';
import { TYPE_URLS } from '../../src/xds';
import { cleanEnv, cleanupHomes, tempHome } from '../helpers/run-cli';
import { startServe, type ServeProcess } from '../helpers/serve-process';
import { waitUntil } from '../helpers/wait';
import { browserTest, chromiumUnavailable, launchBrowser, startConsole, type Browser, type ConsoleProcess } from './helpers';

const browser_test = browserTest();
const home = tempHome('awsmesh-console-remote-');
const env = cleanEnv(home, { AWSMESH_REGION: 'us-west-2' });
const clientEnv = cleanEnv(home, { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret' });
const REASON = 'cluster cds_egress_apps_serviceB_http2_80: circuit breaker thresholds rejected by this Envoy';

let serve: ServeProcess;
let console_: ConsoleProcess;
let browser: Browser;
const clients: AdsClient[] = [];

beforeAll(async () => {
  if (chromiumUnavailable()) return;
  applyWalkthrough(env);
  serve = await startServe({ env, args: ['--xds-port', '0', '--quiet'] });
  const address = `127.0.0.1:${serve.xdsPort}`;
  clients.push(
    new AdsClient(address, { id: 'mesh/apps/virtualNode/serviceB', cluster: 'serviceB' }).start(),
    new AdsClient(address, { id: 'mesh/apps/virtualNode/serviceA', cluster: 'serviceA' }, {
      reject: (r) => (r.type_url === TYPE_URLS.cluster ? REASON : undefined),
    }).start(),
  );
  await Promise.all(clients.map((c) => c.waitFor((r) => r.type_url === TYPE_URLS.listener)));
  console_ = await startConsole(['--endpoint-url', serve.url], clientEnv);
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  for (const c of clients) c.close();
  await console_?.stop();
  await serve?.stop();
  cleanupHomes();
}, 120_000);

browser_test('the xDS server is found through --endpoint-url; the console says where its calls go', async () => {
  expect(console_.stderr()).toContain(`API calls go to ${serve.url}; xDS status from 127.0.0.1:${serve.xdsPort}`);
  const { page } = browser;
  await page.goto(console_.url);
  await page.waitForSelector('[data-node-id="virtualNode:serviceBv2"]');
  expect(await page.textContent('.backend')).toBe(serve.url);
  expect(await page.$$eval('[data-node-id]', (els) => els.length)).toBe(7);
  expect(await page.getAttribute('[data-edge-id="route:serviceB/serviceB>virtualNode:serviceB"]', 'data-weight')).toBe('75');
}, 180_000);

browser_test('proxies: the connected Envoys, one SYNCED, one NACKED with the reason it gave, and their versions', async () => {
  const { page } = browser;
  await page.goto(`${console_.origin}/#/proxies`);
  await page.waitForSelector('[data-node="mesh/apps/virtualNode/serviceA"]');
  expect(await page.getAttribute('[data-node="mesh/apps/virtualNode/serviceB"]', 'data-state')).toBe('SYNCED');
  expect(await page.getAttribute('[data-node="mesh/apps/virtualNode/serviceA"]', 'data-state')).toBe('NACKED');
  expect(await page.getAttribute('[data-node="mesh/apps/virtualNode/serviceA"] [data-type="CDS"]', 'data-state')).toBe('NACKED');
  expect(await page.getAttribute('[data-node="mesh/apps/virtualNode/serviceA"] [data-type="LDS"]', 'data-state')).toBe('SYNCED');
  expect(await page.textContent('tr.nack')).toContain(`CDS v1 rejected`);
  expect(await page.textContent('tr.nack .reason')).toBe(REASON);
  expect(await page.textContent('[data-node="mesh/apps/virtualNode/serviceB"] [data-type="RDS"]')).toMatch(/sent v1, ACKed v1/);
  await browser.screenshot('proxies-xds');
}, 120_000);

browser_test('a weight change through the endpoint reaches the store, and the connected Envoy is pushed the new routes', async () => {
  const { page } = browser;
  await page.goto(`${console_.origin}/#/routes/serviceB/serviceB`);
  await page.waitForSelector('[data-target="serviceBv2"]');
  await page.fill('#w-0', '10');
  await page.fill('#w-1', '90');
  await page.waitForSelector('pre.diff');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[role="status"].done');
  const r = cli(['appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB'], env);
  expect(JSON.parse(r.stdout).route.spec.http2Route.action.weightedTargets.map((t: { weight: number }) => t.weight)).toEqual([10, 90]);
  // The Proxies page follows the push: serviceA's Envoy (serviceA calls serviceB) ACKs route configuration version 2.
  await page.goto(`${console_.origin}/#/proxies`);
  await waitUntil(async () => /sent v2, ACKed v2/.test(await page.textContent('[data-node="mesh/apps/virtualNode/serviceA"] [data-type="RDS"]').catch(() => '') ?? ''),
    { describe: 'RDS version 2 ACKed on the Proxies page', timeoutMs: 60_000 });
}, 120_000);

browser_test('no errors in the browser console', async () => {
  expect(browser.errors).toEqual([]);
});
