// The proxy's request body limit (MAX_REQUEST_BYTES, 64 MiB) on real sockets, HTTP/1.1 (the lean
// server) and HTTP/2: a declared content-length over the limit gets Envoy's 413 at once, with no
// upstream attempt; a streamed body that grows past it gets 413 while the response has not
// started, and a reset once it has. HTTP/1.1 closes the connection after the 413; HTTP/2 resets
// the stream (NO_ERROR) and the connection carries on.

import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import { MAX_REQUEST_BYTES } from '../../src/dataplane/http/exchange';
import { startProxy, type LocalProxy } from './helpers';
import { waitUntil, withDeadline } from '../helpers/wait';

const MiB = Buffer.alloc(1024 * 1024, 'x');
const CHUNK = Buffer.concat([Buffer.from(`${MiB.length.toString(16)}\r\n`), MiB, Buffer.from('\r\n')]);
const OVER = MAX_REQUEST_BYTES + 1;

interface Upstream {
  server: http.Server;
  /** Requests that reached the app, and those whose body the proxy cut off (aborted). */
  requests: number;
  aborted: number;
}

let up: Upstream;
let sidecar: LocalProxy;
let port: number;

beforeAll(async () => {
  // /echo answers once the whole body is in; /early answers its head at once, the rest at the body's end.
  const u: Upstream = { server: http.createServer(), requests: 0, aborted: 0 };
  u.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    u.requests++;
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('aborted', () => u.aborted++);
    if (req.url === '/early') res.writeHead(200, { 'content-type': 'text/plain' }).write('started\n');
    req.on('end', () => res.end(`${n}\n`));
  });
  await new Promise<void>((r) => u.server.listen(0, '127.0.0.1', r));
  up = u;
  const snap = new SnapshotBuilder().node('server', { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] }).build();
  sidecar = await startProxy(snap, 'server', { appPorts: { 8080: (u.server.address() as net.AddressInfo).port } });
  port = sidecar.ingressPort!;
});

afterAll(async () => {
  await sidecar.proxy.close();
  up.server.closeAllConnections();
  await new Promise((r) => up.server.close(r));
});

/**
 * Sends an HTTP/1.1 request head, then body bytes in 1 MiB pieces (as chunks when `chunked`) until
 * `bodyBytes` are sent or (unless `pastAnswer`) an answer arrives; resolves with all the connection received once it closed.
 */
function h1(head: string, bodyBytes: number, chunked: boolean, pastAnswer = false): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    let sent = 0;
    const pump = () => {
      while (sent < bodyBytes && (pastAnswer || text === '') && !s.destroyed) {
        sent += MiB.length;
        if (!s.write(chunked ? CHUNK : MiB)) return void s.once('drain', pump);
      }
    };
    s.on('connect', () => {
      s.write(head);
      pump();
    });
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('end', () => s.end());
    s.on('error', (e) => (error = (e as NodeJS.ErrnoException).code));
    s.on('close', () => resolve({ text, error }));
  });
}

const deadline = { describe: 'the connection to close', timeoutMs: 20_000 };

test('HTTP/1.1: a content-length over the limit gets 413 at once, no upstream attempt, and the connection closes', async () => {
  const before = up.requests;
  const r = await withDeadline(h1(`POST /echo HTTP/1.1\r\nhost: svc\r\ncontent-length: ${OVER}\r\n\r\n`, 4 * MiB.length, false), deadline);
  expect(r.text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
  expect(r.text).toMatch(/\r\nconnection: close\r\n/);
  expect(r.text).toMatch(/\r\nserver: envoy\r\n/);
  expect(r.text.endsWith('\r\n\r\nPayload Too Large')).toBe(true);
  expect(up.requests).toBe(before);
}, 30_000);

test('HTTP/1.1: a chunked body that grows past the limit gets 413 before the response started; the upstream request is cut off', async () => {
  const before = up.requests;
  const aborted = up.aborted;
  const r = await withDeadline(h1('POST /echo HTTP/1.1\r\nhost: svc\r\ntransfer-encoding: chunked\r\n\r\n', MAX_REQUEST_BYTES + 2 * MiB.length, true), deadline);
  expect(r.text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
  expect(r.text).toMatch(/\r\nconnection: close\r\n/);
  expect(up.requests).toBe(before + 1);
  await waitUntil(() => up.aborted > aborted, { describe: 'the upstream request to be aborted' });
}, 30_000);

test('HTTP/1.1: past the limit after the response started, the connection is reset (no final chunk)', async () => {
  const r = await withDeadline(h1('POST /early HTTP/1.1\r\nhost: svc\r\ntransfer-encoding: chunked\r\n\r\n', MAX_REQUEST_BYTES + 2 * MiB.length, true, true), deadline);
  expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(r.text).toContain('started\n');
  expect(r.text.endsWith('0\r\n\r\n')).toBe(false);
}, 30_000);

/**
 * An HTTP/2 request whose body is sent in 1 MiB pieces until `bodyBytes` or an answer; resolves
 * once the answer was read to its end (Node's client keeps a stream whose write waits for a window
 * open after the server's RST_STREAM NO_ERROR, so the test closes it then).
 */
function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, bodyBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const st = session.request({ ':method': 'POST', ':path': '/echo', ...headers }, { endStream: bodyBytes === 0 });
    let status = 0;
    let body = '';
    let sent = 0;
    const pump = () => {
      while (sent < bodyBytes && status === 0 && !st.destroyed) {
        sent += MiB.length;
        if (!st.write(MiB)) return void st.once('drain', pump);
      }
      if (sent >= bodyBytes && status === 0 && !st.destroyed) st.end();
    };
    pump();
    st.on('response', (h) => (status = Number(h[':status'])));
    st.on('data', (d: Buffer) => (body += d.toString()));
    st.on('end', () => {
      if (!st.destroyed) st.close();
      resolve({ status, body });
    });
    st.on('error', reject);
  });
}

test('HTTP/2: 413 for a content-length over the limit and for a body that grows past it; the connection lives on (its flow-control window intact)', async () => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const before = up.requests;
    const declared = await withDeadline(h2(session, { 'content-length': String(OVER) }, 2 * MiB.length), deadline);
    expect(declared).toEqual({ status: 413, body: 'Payload Too Large' });
    expect(up.requests).toBe(before);

    const streamed = await withDeadline(h2(session, {}, MAX_REQUEST_BYTES + 2 * MiB.length), deadline);
    expect(streamed).toEqual({ status: 413, body: 'Payload Too Large' });
    expect(up.requests).toBe(before + 1);

    // More than the 64 KiB connection window: the bytes of the reset streams were given back.
    const fine = await withDeadline(h2(session, {}, 2 * MiB.length), deadline);
    expect(fine.status).toBe(200);
    expect(fine.body).toBe(`${2 * MiB.length}\n`);
  } finally {
    session.close();
  }
}, 60_000);
