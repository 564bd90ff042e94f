// The API listener's lean HTTP/1.1 server (base/h1-connection.ts) at the edges, with real sockets:
// pipelined requests, chunked bodies, 100-continue, HEAD, keep-alive reuse, 413 and 400 answers,
// TLS, the console's requests handed to Node's http.Server, and shutdown with requests in flight.

import * as https from 'https';
import * as net from 'net';
import { loadTls } from '../../src/server/serve/tls';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { RecordingBackend, rawRequest, removeDir, tempHome } from './helpers';
import { waitUntil } from '../helpers/wait';

const LIMIT = 4096;
let server: RunningServer;
let backend: RecordingBackend;

beforeAll(async () => {
  backend = new RecordingBackend((call) => ({ mesh: { meshName: (call.input.meshName as string) ?? '?' } }));
  server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't', maxBodyBytes: LIMIT });
});

afterAll(async () => {
  await server.close();
});

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw connection that parses the responses it reads (content-length framed, as this server answers). */
class Client {
  readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private all = '';
  readonly responses: Parsed[] = [];
  ended = false;
  private heads: boolean[] = [];

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.all += c.toString('latin1');
      this.parse();
    });
    this.sock.on('end', () => (this.ended = true));
    this.sock.on('close', () => (this.ended = true));
    this.sock.on('error', () => undefined);
  }

  /** Sends raw bytes; `heads` tells which of the requests in them are HEAD (no body follows their answer). */
  send(text: string | Buffer, heads: boolean[] = []): void {
    this.heads.push(...heads);
    this.sock.write(text);
  }

  /** Everything read so far. */
  raw(): string {
    return this.all;
  }

  private parse(): void {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buf.toString('latin1', 0, end).split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      if (status === 100) {
        this.responses.push({ status, headers: {}, body: '' });
        this.buf = this.buf.subarray(end + 4);
        continue;
      }
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      const isHead = this.heads[this.responses.filter((r) => r.status !== 100).length] ?? false;
      const length = isHead ? 0 : Number(headers['content-length'] ?? 0);
      if (this.buf.length < end + 4 + length) return;
      this.responses.push({ status, headers, body: this.buf.toString('utf8', end + 4, end + 4 + length) });
      this.buf = this.buf.subarray(end + 4 + length);
    }
  }

  async next(count: number): Promise<Parsed[]> {
    await waitUntil(() => this.responses.length >= count, { describe: `${count} responses`, observe: () => this.raw() });
    return this.responses.slice(0, count);
  }

  close(): void {
    this.sock.destroy();
  }
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

test('pipelined requests in one write are answered in order on the same connection', async () => {
  const c = new Client(server.port);
  c.send(get('/v20190125/meshes/first') + get('/_awsmesh/health') + get('/v20190125/meshes/third'));
  const [a, b, d] = await c.next(3);
  expect([a.status, b.status, d.status]).toEqual([200, 200, 200]);
  expect(JSON.parse(a.body)).toEqual({ meshName: 'first' });
  expect(JSON.parse(b.body).status).toBe('ok');
  expect(JSON.parse(d.body)).toEqual({ meshName: 'third' });
  expect(new Set([a, b, d].map((r) => r.headers['x-amzn-requestid'])).size).toBe(3);
  c.close();
});

test('a keep-alive connection serves request after request', async () => {
  const c = new Client(server.port);
  for (let i = 1; i <= 3; i++) {
    c.send(get(`/v20190125/meshes/m${i}`));
    const rs = await c.next(i);
    expect(JSON.parse(rs[i - 1].body)).toEqual({ meshName: `m${i}` });
    expect(rs[i - 1].headers.connection).toBeUndefined();
  }
  expect(c.ended).toBe(false);
  c.close();
});

test('a chunked request body sent in pieces (split inside the framing) reaches the codec whole', async () => {
  const c = new Client(server.port);
  const body = JSON.stringify({ meshName: 'chunky', spec: {} });
  const framed = `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)};ext=1\r\n${body.slice(10)}\r\n0\r\nx-trailer: t\r\n\r\n`;
  c.send(`PUT /v20190125/meshes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
  for (let i = 0; i < framed.length; i += 7) c.send(framed.slice(i, i + 7));
  const [r] = await c.next(1);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({ meshName: 'chunky' });
  c.close();
});

test('Expect: 100-continue gets 100 Continue before the body is sent, then the answer', async () => {
  const c = new Client(server.port);
  const body = JSON.stringify({ meshName: 'patient' });
  c.send(`PUT /v20190125/meshes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  const [cont] = await c.next(1);
  expect(cont.status).toBe(100);
  c.send(body);
  const [, r] = await c.next(2);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({ meshName: 'patient' });
  c.close();
});

test('HEAD gets a head without a body, and the connection goes on', async () => {
  const c = new Client(server.port);
  c.send(`HEAD /v20190125/meshes/h HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${get('/_awsmesh/health')}`, [true, false]);
  const [head, next] = await c.next(2);
  expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  expect(head.body).toBe('');
  expect(next.status).toBe(200);
  expect(JSON.parse(next.body).status).toBe('ok');
  c.close();
});

test('a body over the limit gets 413 and the connection closes after it; a declared one before any body byte', async () => {
  const c = new Client(server.port);
  c.send(`PUT /v20190125/meshes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`);
  const [r] = await c.next(1);
  expect(r.status).toBe(413);
  expect(r.headers.connection).toBe('close');
  c.send('x'.repeat(LIMIT + 1)); // the rest of the upload is read and dropped, not answered
  await waitUntil(() => c.ended, { describe: 'the connection to close after the 413' });
  expect(c.responses).toHaveLength(1);

  const chunked = new Client(server.port);
  chunked.send(`PUT /v20190125/meshes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
  const piece = 'y'.repeat(1000);
  for (let i = 0; i < 6; i++) chunked.send(`${piece.length.toString(16)}\r\n${piece}\r\n`);
  const [big] = await chunked.next(1);
  expect(big.status).toBe(413);
  await waitUntil(() => chunked.ended, { describe: 'the chunked upload\'s connection to close' });
  chunked.close();
});

test.each([
  ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n'],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n'],
  ['Content-Length beside Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['bad chunk framing', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ['a head over 16 KiB', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
])('%s gets 400 and a closed connection, no stack trace', async (_what, text) => {
  const c = new Client(server.port);
  c.send(text);
  await waitUntil(() => c.ended, { describe: 'the connection to close' });
  expect(c.raw()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  expect(c.raw()).not.toMatch(/\bat \S+ \(/);
  expect((await rawRequest(server.url, { path: '/_awsmesh/health' })).status).toBe(200);
});

test('requests under the console path go, with their connection, to Node\'s http.Server and extraRoutes; API requests after them still work', async () => {
  const seen: string[] = [];
  const withConsole = await startServer({
    backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't', browserPath: '/console',
    extraRoutes: (req, res) => {
      if (!req.url?.startsWith('/console')) return false;
      seen.push(`${req.method} ${req.url} ${typeof req.socket.remoteAddress}`);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 12 }).end('console page');
      return true;
    },
  });
  try {
    const c = new Client(withConsole.port);
    c.send(get('/v20190125/meshes/before') + get('/console/') + get('/v20190125/meshes/after'));
    const [before, page, after] = await c.next(3);
    expect(JSON.parse(before.body)).toEqual({ meshName: 'before' });
    expect(page.body).toBe('console page');
    expect(JSON.parse(after.body)).toEqual({ meshName: 'after' });
    expect(seen).toEqual(['GET /console/ string']);
    c.close();
  } finally {
    await withConsole.close();
  }
});

test('HTTPS: the same listener behind TLS 1.2+, and setSecureContext for new connections', async () => {
  const home = tempHome();
  try {
    const material = (await loadTls({ tlsHostname: ['localhost'] }, { ...process.env, AWSMESH_HOME: home }))!;
    const secure = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't', tls: { cert: material.cert, key: material.key } });
    try {
      expect(secure.url).toBe(`https://127.0.0.1:${secure.port}`);
      const fetchOnce = (path: string) => new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: secure.port, path, rejectUnauthorized: false, agent: false, headers: { host: 'localhost' } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body, protocol: (res.socket as import('tls').TLSSocket).getProtocol() ?? '' }));
        });
        req.on('error', reject);
        req.end();
      });
      const r = await fetchOnce('/v20190125/meshes/tls');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ meshName: 'tls' });
      expect(['TLSv1.2', 'TLSv1.3']).toContain(r.protocol);
      secure.setSecureContext!({ cert: material.cert, key: material.key });
      expect((await fetchOnce('/_awsmesh/health')).status).toBe(200);
    } finally {
      await secure.close();
    }
  } finally {
    removeDir(home);
  }
});

test('close(): idle keep-alive connections close at once, a request in flight finishes with connection: close', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slowBackend = new RecordingBackend(async (call) => {
    if (call.input.meshName === 'slow') await gate;
    return { mesh: { meshName: call.input.meshName as string } };
  });
  const slow = await startServer({ backend: slowBackend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 't' });
  const idle = new Client(slow.port);
  idle.send(get('/v20190125/meshes/warm'));
  await idle.next(1);
  const busy = new Client(slow.port);
  busy.send(get('/v20190125/meshes/slow'));
  await waitUntil(() => slowBackend.calls.some((c) => c.input.meshName === 'slow'), { describe: 'the slow request to reach the backend' });
  const closing = slow.close();
  await waitUntil(() => idle.ended, { describe: 'the idle connection to close' });
  release();
  const [r] = await busy.next(1);
  expect(r.status).toBe(200);
  expect(r.headers.connection).toBe('close');
  expect(JSON.parse(r.body)).toEqual({ meshName: 'slow' });
  await closing;
  await waitUntil(() => busy.ended, { describe: 'the busy connection to close after its answer' });
});
