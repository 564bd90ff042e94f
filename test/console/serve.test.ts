// The console under `awsmesh serve` (a real child process, HTTPS from the local CA, --auth iam):
// at /console on the API port, behind the API's authentication — a sign-in with an awsmesh IAM
// user's access key, then every call authorized by that user's policies. A reader sees the mesh and
// is refused a weight change on the page with nothing changed; an operator changes it; a deleted key
// ends the session, and so does "Sign out" (a CSRF-checked write); other origins are refused, and
// the API's own refusal of browser requests holds; failed sign-ins are limited per address and key.

import * as https from 'https';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { announceProxy } from '../../src/dataplane/local/runfile';
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

/** One HTTPS request to the server (trusting its CA), as `localhost:PORT`; `from`: the client's own loopback address. */
function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', servername: 'localhost', port, path: p, method: opts.method ?? 'GET', ca: caRoot(home), agent: false, localAddress: opts.from,
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

const postForm = (body: string, from?: string) =>
  request('/console/sign-in', { method: 'POST', headers: { origin: ORIGIN(), 'content-type': 'application/x-www-form-urlencoded' }, body, from });

async function signIn(user: string): Promise<string> {
  const r = await postForm(form(user));
  expect(r.status).toBe(303);
  return String(r.headers['set-cookie']).split(';')[0];
}

const csrfOf = async (cookie: string) => /name="awsmesh-csrf" content="([^"]+)"/.exec((await request('/console/', { headers: { cookie } })).body)![1];

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
  for (const [user, policy] of [['operator', 'AWSAppMeshFullAccess'], ['reader', 'AWSAppMeshReadOnly'], ['reader2', 'AWSAppMeshReadOnly'], ['nobody', undefined]] as const) {
    await iam('CreateUser', { UserName: user });
    if (policy) await iam('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::aws:policy/${policy}` });
    const key = (await iam('CreateAccessKey', { UserName: user })).AccessKey;
    keys[user] = { id: key.AccessKeyId, secret: key.SecretAccessKey };
  }
  // Reads the mesh, and of its nodes only b1.
  await iam('CreateUser', { UserName: 'b1only' });
  await iam('PutUserPolicy', {
    UserName: 'b1only', PolicyName: 'b1',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: ['appmesh:List*', 'appmesh:DescribeMesh'], Resource: '*' },
      { Effect: 'Allow', Action: 'appmesh:DescribeVirtualNode', Resource: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps/virtualNode/b1` },
    ] }),
  });
  const b1only = (await iam('CreateAccessKey', { UserName: 'b1only' })).AccessKey;
  keys.b1only = { id: b1only.AccessKeyId, secret: b1only.SecretAccessKey };
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
  const csrf = await csrfOf(reader);
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
  // The server's log line and its answer travel separately (stderr pipe, socket): wait for the line.
  await waitUntil(() => /console: session of reader ended \(unknown_key\)/.test(serve.stderr()), {
    describe: 'the server to log the ended session', timeoutMs: 30_000, observe: () => serve.stderr().slice(-2000),
  });
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

  // Sign out: back to the sign-in page, and the old cookie opens nothing any more.
  const session = (await browser.context.cookies()).find((c) => c.name === 'awsmesh_console')!;
  expect(await page.textContent('.session .user')).toBe('operator');
  await page.focus('button.sign-out');
  await page.keyboard.press('Enter');
  await page.waitForSelector('form[action="/console/sign-in"]');
  expect((await browser.context.cookies()).find((c) => c.name === 'awsmesh_console')).toBeUndefined();
  expect((await request('/console/api/info', { headers: { cookie: `awsmesh_console=${session.value}` } })).status).toBe(401);
  expect(serve.stderr()).toMatch(/console: operator signed out/);
  expect(browser.errors).toEqual([]);
}, 180_000);

test('signing out is a write like any other: another site, or a request without the page\'s CSRF token, cannot end a session', async () => {
  const cookie = await signIn('reader2');
  const csrf = await csrfOf(cookie);
  const signOut = (headers: Record<string, string>) => request('/console/api/sign-out', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
  expect((await signOut({ origin: ORIGIN() })).status).toBe(403);
  expect((await signOut({ origin: 'https://attacker.example', 'x-csrf-token': csrf })).status).toBe(403);
  expect((await request('/console/api/info', { headers: { cookie } })).status).toBe(200);
  const out = await signOut({ origin: ORIGIN(), 'x-csrf-token': csrf });
  expect(out.status).toBe(200);
  expect(String(out.headers['set-cookie'])).toMatch(/^awsmesh_console=; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=0; Secure$/);
  expect((await request('/console/api/info', { headers: { cookie } })).status).toBe(401);
}, 120_000);

test('the proxies page lists only the proxies whose virtual nodes the user may describe', async () => {
  // Two proxies of b1 and b2 as `awsmesh proxy` announces them (their process is gone: shown as stopped).
  for (const [name, admin] of [['b1', 1], ['b2', 2]] as const) {
    announceProxy(home, { pid: 2 ** 22 + admin, mesh: 'apps', kind: 'virtualNode', name, admin, startedAt: new Date().toISOString() });
  }
  const proxies = async (user: string) => {
    const r = await request('/console/api/proxies?mesh=apps', { headers: { cookie: await signIn(user) } });
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as Json;
  };
  const all = await proxies('reader2');
  expect(all.sidecars.map((p: Json) => p.name)).toEqual(['b1', 'b2']);
  expect(all.hidden).toBeUndefined();
  const some = await proxies('b1only');
  expect(some.sidecars.map((p: Json) => p.name)).toEqual(['b1']);
  expect(some.hidden).toBe(1);
}, 120_000);

// Last: it leaves 127.0.0.2 and the key of "nobody" refused for the rest of the window.
test('failed sign-ins are limited per client address and per access key, with a clear message and nothing checked', async () => {
  const wrong = form('nobody', 'y'.repeat(40));
  for (let i = 0; i < 10; i++) expect((await postForm(wrong, '127.0.0.2')).status).toBe(401);
  const limited = await postForm(form('operator'), '127.0.0.2');
  expect(limited.status).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect(limited.body).toMatch(/Too many failed sign-ins from this address: try again in \d+ s\./);
  expect(limited.headers['set-cookie']).toBeUndefined();
  // The key is refused from any address, even with its right secret; other keys from other addresses are not.
  const byKey = await postForm(form('nobody'));
  expect(byKey.status).toBe(429);
  expect(byKey.body).toMatch(/Too many failed sign-ins for this access key/);
  expect((await postForm(form('operator'))).status).toBe(303);
  expect(serve.stderr()).toMatch(/console: sign-in refused \(rate_limited\)/);
}, 120_000);
