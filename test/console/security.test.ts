// What keeps other pages and other names away from `awsmesh console`, checked with raw HTTP as an
// attacker's page or a rebinding DNS name would send it: the per-run token and its cookie, the Host
// check, cross-site and cross-origin requests, CSRF on writes; and the command's own bad input.

import * as fs from 'fs';
import * as path from 'path';
import { applyWalkthrough, cli } from '../dataplane/cli';
import { cleanEnv, cleanupHomes, runBin, tempHome } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import { request, startConsole, type ConsoleProcess } from './helpers';

const home = tempHome('awsmesh-console-sec-');
const env = cleanEnv(home, { AWSMESH_REGION: 'us-west-2' });
let c: ConsoleProcess;
let cookie: string;
let host: string;
let token: string;

function routeVersion(): number {
  const r = cli(['appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB'], env);
  return JSON.parse(r.stdout).route.metadata.version;
}

beforeAll(async () => {
  applyWalkthrough(env);
  c = await startConsole([], env);
  host = `127.0.0.1:${c.port}`;
  token = new URL(c.url).searchParams.get('token')!;
}, 180_000);

afterAll(async () => {
  await c?.stop();
  cleanupHomes();
});

test('the printed URL: 127.0.0.1, a random port, a long random token; stderr says Ctrl-C stops it', async () => {
  expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  await waitUntil(() => c.stderr().includes('Ctrl-C stops it'), { describe: 'the hint on stderr', observe: () => c.stderr() });
});

test('without the token or its cookie nothing is served; a wrong token gets nothing either', async () => {
  for (const p of ['/', '/app.js', '/api/info', '/api/resources?mesh=apps']) {
    const r = await request(c.port, p, { headers: { host } });
    expect(r.status).toBe(401);
    expect(r.body).not.toContain('awsmesh-csrf');
    expect(r.headers['set-cookie']).toBeUndefined();
  }
  const wrong = await request(c.port, `/?token=${'x'.repeat(token.length)}`, { headers: { host } });
  expect(wrong.status).toBe(401);
  expect(wrong.headers['set-cookie']).toBeUndefined();
});

test('the token is exchanged for an HttpOnly SameSite=Strict cookie and stripped from the address', async () => {
  const r = await request(c.port, `/?token=${token}`, { headers: { host } });
  expect(r.status).toBe(303);
  expect(r.headers.location).toBe('/');
  const set = String(r.headers['set-cookie']);
  expect(set).toMatch(new RegExp(`^awsmesh_console_${c.port}=[A-Za-z0-9_-]{32}; HttpOnly; SameSite=Strict; Path=/$`));
  expect(set).not.toContain(token);
  cookie = set.split(';')[0];
  const page = await request(c.port, '/', { headers: { host, cookie } });
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.headers['x-frame-options']).toBe('DENY');
  expect(page.body).toMatch(/<meta name="awsmesh-csrf" content="[A-Za-z0-9_-]{32}">/);
  expect(page.body).not.toContain(token);
  const info = await request(c.port, '/api/info', { headers: { host, cookie } });
  expect(info.status).toBe(200);
  expect(JSON.parse(info.body)).toMatchObject({ meshes: ['apps'], defaultMesh: 'apps', region: 'us-west-2' });
});

test('DNS rebinding: another name in Host is refused, cookie or not', async () => {
  for (const h of [`evil.example:${c.port}`, `127.0.0.1.nip.io:${c.port}`, '127.0.0.1', `127.0.0.1:${c.port + 1}`]) {
    const r = await request(c.port, '/api/info', { headers: { host: h, cookie } });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('meshes');
  }
});

test('cross-origin and cross-site reads are refused', async () => {
  const other = await request(c.port, '/api/info', { headers: { host, cookie, origin: 'http://evil.example' } });
  expect(other.status).toBe(403);
  expect(JSON.parse(other.body).message).toBe('Requests from http://evil.example are refused.');
  const site = await request(c.port, '/api/resources?mesh=apps', { headers: { host, cookie, 'sec-fetch-site': 'cross-site' } });
  expect(site.status).toBe(403);
  const same = await request(c.port, '/api/info', { headers: { host, cookie, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
  expect(same.status).toBe(200);
});

test('writes need the CSRF token, a same-origin Origin and a JSON body; each refusal changes nothing', async () => {
  const csrf = /name="awsmesh-csrf" content="([^"]+)"/.exec((await request(c.port, '/', { headers: { host, cookie } })).body)![1];
  const version = routeVersion();
  const body = JSON.stringify({ mesh: 'apps', router: 'serviceB', route: 'serviceB', version, weights: [50, 50] });
  const attempts: Array<[Record<string, string>, number]> = [
    [{ origin: `http://${host}`, 'content-type': 'application/json' }, 403], // no token
    [{ origin: `http://${host}`, 'content-type': 'application/json', 'x-csrf-token': 'guess' }, 403],
    [{ 'content-type': 'application/json', 'x-csrf-token': csrf }, 403], // no Origin
    [{ origin: 'http://evil.example', 'content-type': 'application/json', 'x-csrf-token': csrf }, 403],
    [{ origin: `http://${host}`, 'content-type': 'text/plain', 'x-csrf-token': csrf }, 415],
  ];
  for (const [headers, status] of attempts) {
    const r = await request(c.port, '/api/route/apply', { method: 'POST', headers: { host, cookie, ...headers }, body });
    expect([headers, r.status]).toEqual([headers, status]);
  }
  const put = await request(c.port, '/api/route/apply', { method: 'PUT', headers: { host, cookie, origin: `http://${host}`, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body });
  expect(put.status).toBe(405);
  expect(routeVersion()).toBe(version);
  const ok = await request(c.port, '/api/route/apply', { method: 'POST', headers: { host, cookie, origin: `http://${host}`, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body).version).toBe(version + 1);
  expect(routeVersion()).toBe(version + 1);
});

test('API errors are JSON with a message: unknown mesh, unknown API, bad JSON, oversized body', async () => {
  const csrf = /name="awsmesh-csrf" content="([^"]+)"/.exec((await request(c.port, '/', { headers: { host, cookie } })).body)![1];
  const nope = await request(c.port, '/api/events?mesh=nope', { headers: { host, cookie } });
  expect(nope.status).toBe(404);
  expect(JSON.parse(nope.body).message).toContain('(NotFoundException) when calling the DescribeMesh operation');
  expect((await request(c.port, '/api/nothing', { headers: { host, cookie } })).status).toBe(404);
  const write = { host, cookie, origin: `http://${host}`, 'x-csrf-token': csrf, 'content-type': 'application/json' };
  const bad = await request(c.port, '/api/route/preview', { method: 'POST', headers: write, body: '{"mesh":' });
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.body).message).toBe('The request body is not valid JSON.');
  const huge = await request(c.port, '/api/route/preview', { method: 'POST', headers: write, body: JSON.stringify({ pad: 'x'.repeat(100_000) }) });
  expect(huge.status).toBe(413);
  expect(JSON.parse(huge.body).message).toBe('The request body is larger than 65536 bytes.');
});

test('bad options: 252 with the reason; an unknown --mesh is the service error (254); nothing listens', async () => {
  const port = await runBin(['console', '--port', 'http'], { home });
  expect(port.code).toBe(252);
  expect(port.stderr).toContain("argument --port: expected a port number from 0 to 65535, got 'http'");
  const interval = await runBin(['console', '--interval', '0'], { home });
  expect(interval.code).toBe(252);
  expect(interval.stderr).toContain('argument --interval');
  const xds = await runBin(['console', '--xds-address', 'localhost'], { home });
  expect(xds.code).toBe(252);
  expect(xds.stderr).toContain("argument --xds-address: expected host:port, got 'localhost'");
  const mesh = await runBin(['console', '--mesh', 'nope'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(mesh.code).toBe(254);
  expect(mesh.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeMesh operation');
  expect(mesh.stdout).not.toContain('listening');
  const taken = await runBin(['console', '--port', String(c.port)], { home });
  expect(taken.code).toBe(255);
  expect(taken.stderr).toContain(`Could not start the console on 127.0.0.1:${c.port}`);
  expect(taken.stderr).not.toMatch(/\n\s+at /);
});

test('--open hands the address to the browser through a private file, never on a command line', async () => {
  // A stand-in for xdg-open that records what it was given.
  const bin = tempHome('awsmesh-fake-opener-');
  const out = path.join(bin, 'seen');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > "${out}/argv"\nstat -c %a "$1" > "${out}/mode"\ncp "$1" "${out}/page.html"\n`, { mode: 0o700 });
  const opened = await startConsole(['--open'], { ...env, PATH: `${bin}:${process.env.PATH}` });
  try {
    await waitUntil(() => fs.existsSync(path.join(out, 'page.html')) && fs.readFileSync(path.join(out, 'page.html'), 'utf8').includes('</script>'),
      { describe: 'the opener to be run', observe: () => opened.stderr() });
    const tokenOf = new URL(opened.url).searchParams.get('token')!;
    expect(fs.readFileSync(path.join(out, 'argv'), 'utf8')).not.toContain(tokenOf);
    expect(fs.readFileSync(path.join(out, 'mode'), 'utf8').trim()).toBe('600');
    expect(fs.readFileSync(path.join(out, 'page.html'), 'utf8')).toContain(`location.replace(${JSON.stringify(opened.url)})`);
  } finally {
    await opened.stop();
  }
});
