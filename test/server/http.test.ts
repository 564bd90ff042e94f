// The HTTP listener: body limits (413 in the protocol's format), request logging, request ids,
// health, and a shutdown that lets in-flight requests finish.

import * as http from 'http';
import * as net from 'net';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { rawRequest, RecordingBackend } from './helpers';
import { waitUntil } from '../helpers/wait';

const LIMIT = 2048;
let server: RunningServer;
let backend: RecordingBackend;
const logs: string[] = [];

beforeAll(async () => {
  backend = new RecordingBackend(() => ({}));
  server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: '9.9.9', maxBodyBytes: LIMIT, log: (l) => logs.push(l) });
});

afterAll(async () => {
  await server.close();
});

test('binds loopback on an ephemeral port and reports its URL', () => {
  expect(server.host).toBe('127.0.0.1');
  expect(server.port).toBeGreaterThan(0);
  expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
});

test('health answers with status, version, uptime and services', async () => {
  const res = await rawRequest(server.url, { path: '/_awsmesh/health' });
  expect(res.status).toBe(200);
  expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  const doc = JSON.parse(res.body);
  expect(doc).toEqual({ status: 'ok', version: '9.9.9', uptimeSeconds: expect.any(Number), services: ['appmesh', 'iam', 'servicediscovery', 'sts'] });
});

test('a declared Content-Length over the limit gets 413 in the App Mesh format without calling the backend', async () => {
  const before = backend.calls.length;
  const body = JSON.stringify({ meshName: 'apps', clientToken: 'x'.repeat(LIMIT) });
  const res = await rawRequest(server.url, { method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(413);
  expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
  expect(JSON.parse(res.body).message).toContain(`${LIMIT} bytes`);
  expect(backend.calls.length).toBe(before);
});

test('a chunked body that grows over the limit gets 413 too (IAM: XML error)', async () => {
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(server.url);
    const req = http.request(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, agent: false },
      (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.write('Action=CreateRole&Version=2010-05-08&RoleName=r&Description=');
    for (let i = 0; i < 5; i++) req.write('d'.repeat(1000));
    req.end();
  });
  expect(res.status).toBe(413);
  expect(res.body).toContain('<Code>RequestEntityTooLarge</Code>');
});

test('a body of exactly the limit is accepted', async () => {
  const empty = JSON.stringify({ meshName: 'apps', clientToken: '' });
  const body = JSON.stringify({ meshName: 'apps', clientToken: 'a'.repeat(LIMIT - empty.length) });
  expect(body.length).toBe(LIMIT);
  const res = await rawRequest(server.url, { method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
});

test('every response carries x-amzn-RequestId and one log line is written per request', async () => {
  logs.length = 0;
  const ok = await rawRequest(server.url, { path: '/v20190125/meshes?limit=2' });
  const notFound = await rawRequest(server.url, { path: '/nowhere' });
  expect(ok.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(notFound.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(logs).toHaveLength(2);
  expect(logs[0]).toMatch(/^\S+Z GET \/v20190125\/meshes appmesh\.ListMeshes 200 \d+\.\dms$/);
  expect(logs[1]).toMatch(/ GET \/nowhere - 404 /);
});

test('garbage on the socket gets a 400 from the HTTP layer, and the server keeps serving', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
    let text = '';
    sock.on('data', (c) => (text += c));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 400/);
  expect((await rawRequest(server.url, { path: '/_awsmesh/health' })).status).toBe(200);
});

test('many concurrent requests are all answered', async () => {
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => rawRequest(server.url, { path: `/v20190125/meshes/m${i}` })));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(new Set(results.map((r) => r.headers['x-amzn-requestid'])).size).toBe(50);
});

test('close() lets an in-flight request finish, then stops accepting', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slowBackend = new RecordingBackend(async () => {
    await gate;
    return { mesh: { meshName: 'slow' } };
  });
  const slow = await startServer({ backend: slowBackend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't' });
  const pending = rawRequest(slow.url, { path: '/v20190125/meshes/slow' });
  await waitUntil(() => slowBackend.calls.length > 0, { describe: 'the request to reach the backend', intervalMs: 5 });
  const closing = slow.close();
  release();
  const res = await pending;
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ meshName: 'slow' });
  await closing;
  await expect(rawRequest(slow.url, { path: '/_awsmesh/health' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});

describe('requests that a web page could forge, and the reset path', () => {
  test('an Origin header (a browser page) is refused before anything runs', async () => {
    const before = backend.calls.length;
    const res = await rawRequest(server.url, {
      method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'Action=DeleteRole&Version=2010-05-08&RoleName=r',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toContain('--allow-browser-origins');
    expect(backend.calls.length).toBe(before);
  });

  test('POST /_awsmesh/reset does not exist unless the server was started with reset enabled', async () => {
    const res = await rawRequest(server.url, { method: 'POST', path: '/_awsmesh/reset' });
    expect(res.status).not.toBe(200);
    let resets = 0;
    const withReset = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't', reset: async () => void resets++, allowBrowserOrigins: true });
    try {
      const ok = await rawRequest(withReset.url, { method: 'POST', path: '/_awsmesh/reset' });
      expect(ok.status).toBe(200);
      expect(resets).toBe(1);
      const fromPage = await rawRequest(withReset.url, { path: '/_awsmesh/health', headers: { origin: 'http://localhost:3000' } });
      expect(fromPage.status).toBe(200); // allowed with allowBrowserOrigins
    } finally {
      await withReset.close();
    }
  });
});
