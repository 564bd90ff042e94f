// The console in a real headless Chromium against the walkthrough mesh run by `awsmesh local up`
// (apps and sidecars as child processes) with steady traffic through serviceA: the topology shows
// every service, router, route and node with the 75/25 weights and live rates; the resources page
// the specs and findings; the route editor refuses bad input and a route changed meanwhile, and a
// weight change it applies shows in the CLI and in the traffic; the proxies page the sidecars.
// A screenshot of each page goes to test-output/console/.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyWalkthrough, cli, writeWalkthroughConfig } from '../dataplane/cli';
import { BIN, cleanEnv, cleanupHomes, tempHome } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import {
  browserTest, chromiumUnavailable, launchBrowser, request, sessionCookie, startConsole, steadyTraffic, type Browser, type ConsoleProcess,
} from './helpers';

// Functions given to page.waitForFunction run in the page, where there is a document.
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null };

const browser_test = browserTest();
const home = tempHome('awsmesh-console-');
const env = cleanEnv(home, { AWSMESH_REGION: 'us-west-2', CI: '1' });
const B = 'route:serviceB/serviceB>virtualNode:serviceB';
const B2 = 'route:serviceB/serviceB>virtualNode:serviceBv2';

let up: ChildProcess | undefined;
let upOut = '';
let upErr = '';
let console_: ConsoleProcess;
let browser: Browser;
let traffic: ReturnType<typeof steadyTraffic>;
/** Chrome logs refused fetches itself; the one refusal a test provokes on purpose is allowed. */
const expectedNetworkErrors: RegExp[] = [];

function describeRoute(): { version: number; weights: Record<string, number> } {
  const r = cli(['appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB'], env);
  if (r.status !== 0) throw new Error(r.stderr);
  const route = JSON.parse(r.stdout).route;
  const targets = route.spec.http2Route.action.weightedTargets as Array<{ virtualNode: string; weight: number }>;
  return { version: route.metadata.version, weights: Object.fromEntries(targets.map((t) => [t.virtualNode, t.weight])) };
}

function setWeightsByCli(b: number, b2: number): void {
  const r = cli(['appmesh', 'update-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB', '--spec',
    JSON.stringify({ http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: b }, { virtualNode: 'serviceBv2', weight: b2 }] } } })], env);
  if (r.status !== 0) throw new Error(r.stderr);
}

const base = () => console_.origin;
const rpsOf = (page: Browser['page'], sel: string) => page.$eval(sel, (el) => Number(el.getAttribute('data-rps') ?? 'NaN')).catch(() => NaN);

beforeAll(async () => {
  if (chromiumUnavailable()) return;
  applyWalkthrough(env);
  const config = path.join(home, 'mesh.local.yaml');
  writeWalkthroughConfig(config);
  up = spawn(process.execPath, [BIN, 'local', 'up', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  up.stdout!.on('data', (d) => (upOut += d));
  up.stderr!.on('data', (d) => (upErr += d));
  const row = await waitUntil(() => upOut.split('\n').find((l) => l.includes('virtualNode/serviceA') && /127\.0\.0\.1:\d+/.test(l)),
    { describe: 'local up to print its proxies', timeoutMs: 90_000, observe: () => upErr });
  const ingress = Number(/127\.0\.0\.1:(\d+)/.exec(row)![1]);
  traffic = steadyTraffic(ingress, 'servicea.apps.local');
  console_ = await startConsole([], env);
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await traffic?.stop();
  await console_?.stop();
  if (up && up.exitCode === null) {
    const exited = new Promise((r) => up!.once('exit', r));
    up.kill('SIGINT');
    await exited;
  }
  cleanupHomes();
}, 180_000);

browser_test('topology: every service, router, route and node of the walkthrough, 75/25 on the route targets; the token leaves the address', async () => {
  const { page } = browser;
  await page.goto(console_.url);
  await page.waitForSelector('[data-node-id="virtualNode:serviceBv2"]');
  expect(page.url()).toBe(`${base()}/`);
  const ids = await page.$$eval('[data-node-id]', (els) => els.map((e) => e.getAttribute('data-node-id')).sort());
  expect(ids).toEqual([
    'route:serviceB/serviceB', 'virtualNode:serviceA', 'virtualNode:serviceB', 'virtualNode:serviceBv2',
    'virtualRouter:serviceB', 'virtualService:servicea.apps.local', 'virtualService:serviceb.apps.local',
  ]);
  expect(await page.getAttribute(`[data-edge-id="${B}"]`, 'data-weight')).toBe('75');
  expect(await page.getAttribute(`[data-edge-id="${B2}"]`, 'data-weight')).toBe('25');
  expect(await page.textContent(`[data-edge-id="${B}"] .edge-label`)).toContain('weight 75%');
  expect(await page.textContent(`[data-edge-id="${B2}"] .edge-label`)).toContain('weight 25%');
  expect(await page.getAttribute('[data-node-id="virtualNode:serviceB"]', 'aria-label')).toMatch(/^virtual node serviceB/);
  await browser.screenshot('topology');
}, 180_000);

browser_test('live: rates from the running proxies reach the page within 5 s, pushed by the server; nodes turn healthy', async () => {
  const { page } = browser;
  // The page was opened by the previous test; traffic has been flowing since beforeAll.
  const t0 = Date.now();
  await page.waitForFunction((ids) => ids.every((id) => Number(document.querySelector(`[data-edge-id="${id}"]`)?.getAttribute('data-rps') ?? 0) > 0),
    [B, B2, 'virtualNode:serviceA>virtualService:serviceb.apps.local'], { timeout: 5000 });
  expect(Date.now() - t0).toBeLessThanOrEqual(5000);
  // Every node serving (healthy) once its own proxy has measured requests in a window.
  await page.waitForFunction((names) => names.every((n) => document.querySelector(`[data-node-id="virtualNode:${n}"]`)?.getAttribute('data-health') === 'ok'),
    ['serviceA', 'serviceB', 'serviceBv2'], { timeout: 60_000 });
  for (const n of ['serviceA', 'serviceB', 'serviceBv2']) expect(await page.getAttribute(`[data-node-id="virtualNode:${n}"]`, 'data-proxies')).toBe('1');
  const label = await page.$$eval(`[data-edge-id="${B}"] .edge-label tspan`, (ts) => ts.map((t) => t.textContent));
  expect(label).toEqual([expect.stringMatching(/^weight 75% · seen [\d.]+%$/), expect.stringMatching(/^[\d.]+ rps · 100% ok$/), expect.stringMatching(/^p99 [\d.]+ ms$/)]);
  expect(await page.textContent('.live')).toBe('live');
  // Keyboard: Tab reaches the nodes, Enter opens one's details.
  await page.focus('[data-node-id="route:serviceB/serviceB"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.details h2');
  expect(await page.textContent('.details h2')).toBe('route serviceB');
  expect(await page.textContent('.details')).toMatch(/virtual node serviceB · weight 75%/);
  await browser.screenshot('topology-live');
}, 120_000);

browser_test('resources: every resource with its version and findings; one spec as JSON and YAML, with tags', async () => {
  const { page } = browser;
  await page.goto(`${base()}/#/resources`);
  await page.waitForSelector('[data-resource]');
  const keys = await page.$$eval('[data-resource]', (els) => els.map((e) => e.getAttribute('data-resource')));
  expect(keys.sort()).toEqual([
    'Mesh apps', 'Route apps/serviceB/serviceB', 'VirtualNode apps/serviceA', 'VirtualNode apps/serviceB', 'VirtualNode apps/serviceBv2',
    'VirtualRouter apps/serviceB', 'VirtualService apps/servicea.apps.local', 'VirtualService apps/serviceb.apps.local',
  ]);
  await page.click('[data-resource="Route apps/serviceB/serviceB"] a');
  await page.waitForSelector('.resource-detail pre.spec');
  expect(await page.textContent('[data-testid="version"]')).toBe(String(describeRoute().version));
  expect(await page.textContent('pre.spec')).toContain('"weight": 75');
  await page.click('text=YAML');
  expect(await page.textContent('pre.spec')).toMatch(/weight: 75/);
  expect(await page.textContent('.resource-detail')).toContain('No findings.');
  await browser.screenshot('resources');
}, 120_000);

browser_test('route editor: non-numbers and weights adding up to 0 get a clear message; nothing changes', async () => {
  const { page } = browser;
  const before = describeRoute();
  await page.goto(`${base()}/#/routes/serviceB/serviceB`);
  await page.waitForSelector('[data-target="serviceBv2"]');
  await page.fill('#w-0', 'abc');
  await page.waitForSelector('[role="alert"]');
  expect(await page.textContent('[role="alert"]')).toContain('The weight of serviceB must be a whole number from 0 to 100 (got "abc"). Nothing was changed.');
  expect(await page.isDisabled('button[type="submit"]')).toBe(true);
  await page.fill('#w-0', '0');
  await page.fill('#w-1', '0');
  await page.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent?.includes('AM0201'));
  expect(await page.textContent('[role="alert"]')).toContain('All 2 weighted targets have weight 0: the route sends traffic nowhere');
  expect(await page.isDisabled('button[type="submit"]')).toBe(true);
  await browser.screenshot('route-editor-bad-input');
  expect(describeRoute()).toEqual(before);

  // The API itself refuses the same, whatever a page sends (with the page's CSRF token and origin).
  const csrf = await page.getAttribute('meta[name="awsmesh-csrf"]', 'content');
  const cookie = await sessionCookie(console_);
  const post = (weights: unknown[], version = before.version) => request(console_.port, '/api/route/apply', {
    method: 'POST',
    headers: { cookie, origin: base(), host: `127.0.0.1:${console_.port}`, 'x-csrf-token': csrf!, 'content-type': 'application/json' },
    body: JSON.stringify({ mesh: 'apps', router: 'serviceB', route: 'serviceB', version, weights }),
  });
  const nan = await post(['x', 1]);
  expect(nan.status).toBe(400);
  expect(JSON.parse(nan.body).message).toContain('must be a whole number from 0 to 100');
  expect((await post([101, 1])).status).toBe(400);
  expect((await post([50])).status).toBe(400);
  const zero = await post([0, '0']);
  expect(zero.status).toBe(400);
  expect(JSON.parse(zero.body).message).toMatch(/^Nothing was changed: AM0201/);
  const stale = await post([50, 50], before.version - 1);
  expect(stale.status).toBe(409);
  expect(JSON.parse(stale.body)).toMatchObject({ code: 'conflict', currentVersion: before.version });
  expect(describeRoute()).toEqual(before);
}, 120_000);

browser_test('route editor: a route someone else changed meanwhile is refused, never overwritten', async () => {
  const { page } = browser;
  const start = describeRoute();
  await page.goto(`${base()}/#/routes/serviceB/serviceB`);
  await page.reload();
  await page.waitForSelector('[data-target="serviceBv2"]');
  expect(await page.textContent('[data-testid="route-version"]')).toBe(String(start.version));
  await page.fill('#w-0', '50');
  await page.fill('#w-1', '50');
  await page.waitForSelector('pre.diff');
  expect(await page.textContent('pre.diff')).toContain('~ spec.http2Route.action.weightedTargets[0].weight: 75 → 50');
  // Meanwhile, someone else: 60/40 through the CLI.
  setWeightsByCli(60, 40);
  expectedNetworkErrors.push(/Failed to load resource: the server responded with a status of 409/);
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent?.includes('changed by someone else'));
  expect(await page.textContent('[role="alert"]')).toContain(
    `Route serviceB/serviceB was changed by someone else meanwhile: you edited version ${start.version}, it is now at version ${start.version + 1}. Nothing was changed`);
  expect(describeRoute()).toEqual({ version: start.version + 1, weights: { serviceB: 60, serviceBv2: 40 } });
  await page.click('text=Reload the route');
  await page.waitForFunction((v) => document.querySelector('[data-testid="route-version"]')?.textContent === String(v), start.version + 1);
  expect(await page.inputValue('#w-0')).toBe('60');
}, 120_000);

browser_test('route editor: the change shows as apply --dry-run does, lands as update-route (seen by the CLI), and the traffic follows', async () => {
  const { page } = browser;
  const start = describeRoute();
  await page.goto(`${base()}/#/routes/serviceB/serviceB`);
  await page.waitForSelector('[data-target="serviceBv2"]');
  await page.fill('#w-0', '0');
  await page.fill('#w-1', '100');
  await page.waitForSelector('pre.diff');
  expect(await page.textContent('pre.diff')).toBe([
    '~ update Route apps/serviceB/serviceB',
    `    ~ spec.http2Route.action.weightedTargets[0].weight: ${start.weights.serviceB} → 0`,
    `    ~ spec.http2Route.action.weightedTargets[1].weight: ${start.weights.serviceBv2} → 100`,
    '',
    'Plan: 0 to create, 1 to update, 0 to delete.',
    '',
  ].join('\n'));
  await page.click('button[type="submit"]');
  await page.waitForSelector('[role="status"].done');
  expect(await page.textContent('.done')).toContain(`is now at version ${start.version + 1}`);
  expect(describeRoute()).toEqual({ version: start.version + 1, weights: { serviceB: 0, serviceBv2: 100 } });
  // The proxies pick the change up; the next windows carry serviceBv2's traffic only.
  await waitUntil(async () => (await rpsOf(page, '[data-target="serviceB"] .observed')) === 0 && (await rpsOf(page, '[data-target="serviceBv2"] .observed')) > 0,
    { describe: 'serviceB at 0 rps and serviceBv2 taking the traffic', timeoutMs: 60_000 });
  await browser.screenshot('route-editor');
  await page.goto(`${base()}/#/topology`);
  await waitUntil(async () => (await rpsOf(page, `[data-edge-id="${B}"]`)) === 0 && (await rpsOf(page, `[data-edge-id="${B2}"]`)) > 0,
    { describe: 'the topology showing the new split', timeoutMs: 60_000 });
  expect(await page.getAttribute(`[data-edge-id="${B2}"]`, 'data-weight')).toBe('100');
}, 180_000);

browser_test('proxies: the three sidecars of local up, live, with their configuration versions and updates', async () => {
  const { page } = browser;
  await page.goto(`${base()}/#/proxies`);
  await page.waitForSelector('[data-proxy="virtualNode/serviceA"]');
  for (const n of ['serviceA', 'serviceB', 'serviceBv2']) {
    expect(await page.getAttribute(`[data-proxy="virtualNode/${n}"]`, 'data-state')).toBe('LIVE');
    expect(await page.textContent(`[data-proxy="virtualNode/${n}"]`)).toMatch(/0 rejected/);
  }
  expect(await page.textContent('.proxies')).toContain('No xDS server known');
  await browser.screenshot('proxies');
}, 120_000);

browser_test('the mesh answered every request of the steady traffic, weight changes included', async () => {
  const statuses = await traffic.stop();
  expect([...statuses.keys()]).toEqual([200]);
  expect(statuses.get(200)).toBeGreaterThan(100);
});

browser_test('no errors in the browser console', async () => {
  const unexpected = browser.errors.filter((e) => !expectedNetworkErrors.some((re) => re.test(e)));
  expect(unexpected).toEqual([]);
});
