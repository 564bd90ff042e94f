// The console under `awsmesh serve` (a real child process, HTTPS from the local CA, --auth iam):
// at /console on the API port, behind the API's authentication — a sign-in with an awsmesh IAM
// user's access key, then every call authorized by that user's policies. A reader sees the mesh and
// is refused a weight change on the page with nothing changed; an operator changes it; a deleted key
// ends the session; other origins are refused, and the API's own refusal of browser requests holds.

import * as https from 'https';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { cleanupHomes, tempHome } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import { caRoot, startProductionServe, stopAll, type ServeChild } from '../serve/helpers';
import { browserTest, launchBrowser, type Browser } from './helpers';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REGION = 'us-west-2';
const ACCOUNT = '111122223333';
const home = tempHome('awsmesh-console-serve-');
const keys: Record<string, { id: string; secret: string }> = {};
let serve: ServeChild;
let port: number;
let backend: LocalBackend;

const appmesh = (op: string, input: Json) => backend.invoke('appmesh', op, input, { region: REGION }) as Promise<Json>;
const iam = (op: string, input: Json) => backend.invoke('iam', op, input, { region: REGION }) as Promise<Json>;

async function weights(): Promise<{ version: number; weights: number[] }> {
  const { route } = await appmesh('DescribeRoute', { meshName: 'apps', virtualRouterName: 'b', routeName: 'split' });
  return { version: route.metadata.version, weights: route.spec.httpRoute.action.weightedTargets.map((t: Json) => t.weight) };
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTPS request to the server (trusting its CA), as `localhost:PORT`. */
function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', servername: 'localhost', port, path: p, method: opts.method ?? 'GET', ca: caRoot(home), agent: false,
      headers: { host: `localhost:${port}`, ...opts.headers },
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const ORIGIN = () => `https://localhost:${port}`;
const form = (user: string, secret = keys[user].secret) => new URLSearchParams({ accessKeyId: keys[user].id, secretAccessKey: secret }).toString();

async function signIn(user: string): Promise<string> {
  const r = await request('/console/sign-in', { method: 'POST', headers: { origin: ORIGIN(), 'content-type': 'application/x-www-form-urlencoded' }, body: form(user) });
  expect(r.status).toBe(303);
  return String(r.headers['set-cookie']).split(';')[0];
}

beforeAll(async () => {
  backend = new LocalBackend(openSqliteStore(`${home}/state.db`), { home, account: ACCOUNT });
  await appmesh('CreateMesh', { meshName: 'apps' });
  for (const n of ['b1', 'b2']) {
    await appmesh('CreateVirtualNode', { meshName: 'apps', virtualNodeName: n, spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: `${n}.apps.local` } } } });
  }
  await appmesh('CreateVirtualRouter', { meshName: 'apps', virtualRouterName: 'b', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] } });
  await appmesh('CreateRoute', {
    meshName: 'apps', virtualRouterName: 'b', routeName: 'split',
    spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'b1', weight: 75 }, { virtualNode: 'b2', weight: 25 }] } } },
  });
  await appmesh('CreateVirtualService', { meshName: 'apps', virtualServiceName: 'b.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'b' } } } });
  for (const [user, policy] of [['operator', 'AWSAppMeshFullAccess'], ['reader', 'AWSAppMeshReadOnly'], ['nobody', undefined]] as const) {
    await iam('CreateUser', { UserName: user });
    if (policy) await iam('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::aws:policy/${policy}` });
    const key = (await iam('CreateAccessKey', { UserName: user })).AccessKey;
    keys[user] = { id: key.AccessKeyId, secret: key.SecretAccessKey };
  }
  // The server holds the store; the test reads and changes it through a backend of its own again.
  await backend.close();
  serve = await startProductionServe(home, ['--tls-hostname', 'localhost']);
  port = Number(new URL(serve.apiUrl).port);
  backend = new LocalBackend(openSqliteStore(`${home}/state.db`), { home, account: ACCOUNT });
}, 240_000);

afterAll(async () => {
  await stopAll();
  await backend?.close();
  cleanupHomes();
}, 120_000);

test('/console is there on the API port, behind a sign-in; wrong keys and other origins are refused, the API still refuses browsers', async () => {
  const page = await request('/console/');
  expect(page.status).toBe(200);
  expect(page.body).toContain('<form method="post" action="/console/sign-in">');
  expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect((await request('/console/api/info')).status).toBe(401);

  const wrong = await request('/console/sign-in', { method: 'POST', headers: { origin: ORIGIN(), 'content-type': 'application/x-www-form-urlencoded' }, body: form('operator', 'x'.repeat(40)) });
  expect(wrong.status).toBe(401);
  expect(wrong.headers['set-cookie']).toBeUndefined();
  expect(wrong.body).toContain('The access key ID or secret access key is wrong.');
  const crossSite = await request('/console/sign-in', { method: 'POST', headers: { origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' }, body: form('operator') });
  expect(crossSite.status).toBe(403);
  expect(crossSite.headers['set-cookie']).toBeUndefined();

  const cookie = await signIn('operator');
  const set = await request('/console/sign-in', { method: 'POST', headers: { origin: ORIGIN(), 'content-type': 'application/x-www-form-urlencoded' }, body: form('operator') });
  expect(String(set.headers['set-cookie'])).toMatch(/^awsmesh_console=[\w-]{32}; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=\d+; Secure$/);
  const info = await request('/console/api/info', { headers: { cookie } });
  expect(info.status).toBe(200);
  expect(JSON.parse(info.body)).toMatchObject({ meshes: ['apps'], defaultMesh: 'apps', backend: expect.stringContaining('as operator') });
  // Another site's page cannot read it, even with the cookie.
  expect((await request('/console/api/info', { headers: { cookie, origin: 'https://attacker.example' } })).status).toBe(403);
  // Outside /console, a browser request is refused as before.
  const api = await request('/v20190125/meshes', { headers: { origin: ORIGIN() } });
  expect(api.status).toBe(403);
  expect(api.body).toContain('Requests from web pages');
}, 180_000);

test('every call is authorized with the signed-in user\'s policies; a deleted key ends the session', async () => {
  const nobody = await signIn('nobody');
  const denied = await request('/console/api/info', { headers: { cookie: nobody } });
  expect(denied.status).toBe(403);
  expect(JSON.parse(denied.body)).toMatchObject({
    code: 'AccessDeniedException',
    message: expect.stringContaining(`User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: appmesh:ListMeshes`),
  });

  const reader = await signIn('reader');
  const before = await weights();
  expect((await request('/console/api/topology?mesh=apps', { headers: { cookie: reader } })).status).toBe(200);
  const html = await request('/console/', { headers: { cookie: reader } });
  const csrf = /name="awsmesh-csrf" content="([^"]+)"/.exec(html.body)![1];
  const apply = await request('/console/api/route/apply', {
    method: 'POST',
    headers: { cookie: reader, origin: ORIGIN(), 'x-csrf-token': csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ mesh: 'apps', router: 'b', route: 'split', version: before.version, weights: [50, 50] }),
  });
  expect(apply.status).toBe(403);
  expect(JSON.parse(apply.body).message).toContain('appmesh:UpdateRoute');
  expect(await weights()).toEqual(before);

  await iam('DeleteAccessKey', { UserName: 'reader', AccessKeyId: keys.reader.id });
  // The server learns of the other process's change from the store's change feed.
  const gone = await waitUntil(async () => {
    const r = await request('/console/api/info', { headers: { cookie: reader } });
    return r.status === 401 && r;
  }, { describe: 'the deleted key\'s session to end', timeoutMs: 60_000 });
  expect(JSON.parse(gone.body).message).toMatch(/^Sign in again/);
  expect(serve.stderr()).toMatch(/console: session of reader ended \(unknown_key\)/);
  expect(serve.stderr()).not.toContain(keys.reader.secret);
}, 180_000);

const browser_test = browserTest();
let browser: Browser | undefined;
afterAll(async () => browser?.close(), 30_000);

browser_test('in Chromium: sign in, the topology with its 75/25 split, and a weight change that lands', async () => {
  browser = await launchBrowser({ ignoreHTTPSErrors: true });
  const { page } = browser;
  await page.goto(`https://localhost:${port}/console/`);
  await page.fill('#accessKeyId', keys.operator.id);
  await page.fill('#secretAccessKey', keys.operator.secret);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-node-id="virtualNode:b2"]', { timeout: 60_000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await page.content()}\n${serve.stderr()}`);
  });
  expect(page.url()).toBe(`https://localhost:${port}/console/`);
  expect(await page.getAttribute('[data-edge-id="route:b/split>virtualNode:b1"]', 'data-weight')).toBe('75');
  expect(await page.getAttribute('[data-edge-id="route:b/split>virtualNode:b2"]', 'data-weight')).toBe('25');
  await browser.screenshot('serve-topology');

  const before = await weights();
  await page.goto(`https://localhost:${port}/console/#/routes/b/split`);
  await page.waitForSelector('[data-target="b2"]');
  await page.fill('#w-0', '40');
  await page.fill('#w-1', '60');
  await page.waitForSelector('pre.diff');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[role="status"].done')?.textContent?.includes('is now at version'), undefined, { timeout: 60_000 });
  expect(await weights()).toEqual({ version: before.version + 1, weights: [40, 60] });
  await browser.screenshot('serve-route-editor');
  expect(browser.errors).toEqual([]);
}, 180_000);
