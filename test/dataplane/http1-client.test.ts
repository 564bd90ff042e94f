// The proxy's own HTTP/1.1 upstream client against raw TCP servers that answer byte by byte what
// each case needs: framing (content-length, chunked with trailers, until close, HEAD, 204, 1xx),
// keep-alive reuse, a stale kept-alive connection, failures classified as Envoy does, request
// bodies (fixed length and chunked), and back-pressure.

import * as net from 'net';
import { Readable } from 'stream';
import { Http1Pool } from '../../src/dataplane/cluster/http1-client';
import { waitUntil } from '../helpers/wait';
import type { FailureKind, UpstreamRequest } from '../../src/dataplane/cluster/upstream-call';

interface Result {
  status?: number;
  headers?: Record<string, unknown>;
  body: string;
  trailers?: Record<string, unknown>;
  failure?: FailureKind;
}

const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A server whose `onRequest` gets each request head (and body bytes) and the socket. */
async function server(onRequest: (head: string, sock: net.Socket, body: string) => void): Promise<number> {
  const s = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const cl = /content-length: (\d+)/i.exec(head);
        const chunked = /transfer-encoding: chunked/i.test(head);
        let body = '';
        let rest = buf.slice(end + 4);
        if (cl) {
          if (rest.length < Number(cl[1])) return;
          body = rest.slice(0, Number(cl[1]));
          rest = rest.slice(Number(cl[1]));
        } else if (chunked) {
          const term = rest.indexOf('0\r\n\r\n');
          if (term < 0) return;
          body = rest.slice(0, term + 5);
          rest = rest.slice(term + 5);
        }
        buf = rest;
        onRequest(head, sock, body);
      }
    });
    sock.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

function send(pool: Http1Pool, req: Partial<UpstreamRequest> = {}, pauseFirst = false): Promise<Result> {
  return new Promise((resolve) => {
    const r: Result = { body: '' };
    let paused = false;
    const call = pool.send({ method: 'GET', path: '/', authority: 'svc.local', headers: {}, body: null, ...req }, {
      onHeaders: (status, headers) => Object.assign(r, { status, headers }),
      onData: (c) => {
        r.body += c.toString();
        if (pauseFirst && !paused) {
          paused = true;
          setTimeout(() => call.resume(), 30);
          return false;
        }
        return true;
      },
      onEnd: (t) => resolve({ ...r, trailers: t }),
      onFailure: (kind) => resolve({ ...r, failure: kind }),
    });
  });
}

const pool = (port: number) => new Http1Pool('127.0.0.1', port, { connectTimeoutMs: 1000 });

test('content-length response; request head carries host and headers; keep-alive reuse', async () => {
  const heads: string[] = [];
  const conns = new Set<net.Socket>();
  const port = await server((head, sock) => {
    heads.push(head);
    conns.add(sock);
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello');
  });
  const p = pool(port);
  const r = await send(p, { path: '/x?y=1', headers: { 'x-request-id': 'abc' } });
  expect(r).toMatchObject({ status: 200, body: 'hello', headers: { 'x-a': '1', 'content-length': '5', 'set-cookie': ['a=1', 'b=2'] } });
  expect(heads[0].split('\r\n')).toEqual(['GET /x?y=1 HTTP/1.1', 'host: svc.local', 'x-request-id: abc']);
  await send(p);
  expect(conns.size).toBe(1);
  await p.close();
});

test('repeated response headers merge as Node merges them (the same rules as request heads)', async () => {
  const port = await server((_h, sock) => {
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\nX-B: 1\r\nX-B: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nok');
  });
  const p = pool(port);
  const r = await send(p);
  // As http.IncomingMessage: the first content-type kept, other repeats joined, set-cookie a list.
  expect(r.headers).toMatchObject({ 'content-type': 'text/plain', 'x-b': '1, 2', 'set-cookie': ['a=1', 'b=2'] });
  await p.close();
});

test('chunked response with trailers, delivered across many small writes', async () => {
  const port = await server((_h, sock) => {
    const parts = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: grpc-status\r\n\r\n', '5\r\nhel', 'lo\r\n', '6\r\n world\r\n', '0\r\ngrpc-status: 0\r\n\r\n'];
    parts.forEach((x, i) => setTimeout(() => sock.write(x), i * 5));
  });
  const p = pool(port);
  const r = await send(p, {}, true);
  expect(r).toMatchObject({ status: 200, body: 'hello world', trailers: { 'grpc-status': '0' } });
  await p.close();
});

test('body until close, HEAD and 204 without body, 100 Continue skipped', async () => {
  const port = await server((head, sock) => {
    if (head.startsWith('HEAD')) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
    else if (head.includes('/nocontent')) sock.write('HTTP/1.1 204 No Content\r\n\r\n');
    else if (head.includes('/continue')) sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    else sock.end('HTTP/1.0 200 OK\r\n\r\nuntil the end');
  });
  const p = pool(port);
  expect(await send(p)).toMatchObject({ status: 200, body: 'until the end' });
  expect(await send(p, { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
  expect(await send(p, { path: '/nocontent' })).toMatchObject({ status: 204, body: '' });
  expect(await send(p, { path: '/continue' })).toMatchObject({ status: 201, body: 'ok' });
  await p.close();
});

test('request bodies: content-length as is, unknown length chunk-encoded', async () => {
  const got: Array<{ head: string; body: string }> = [];
  const port = await server((head, sock, body) => {
    got.push({ head, body });
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  const p = pool(port);
  await send(p, { method: 'POST', headers: { 'content-length': '3' }, body: Readable.from([Buffer.from('abc')]) });
  await send(p, { method: 'POST', body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) });
  expect(got[0].body).toBe('abc');
  expect(got[1].head).toContain('transfer-encoding: chunked');
  expect(got[1].body).toBe('2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');
  await p.close();
});

test('failures: refused → connect-failure; closed before the response → reset; garbage → reset', async () => {
  const closed = await server((_h, sock) => sock.destroy());
  const garbage = await server((_h, sock) => sock.write('SSH-2.0-OpenSSH\r\n\r\n'));
  const refused = await server(() => undefined);
  await new Promise((r) => servers[servers.length - 1].close(r));
  expect((await send(pool(refused))).failure).toBe('connect-failure');
  expect((await send(pool(closed))).failure).toBe('reset');
  expect((await send(pool(garbage))).failure).toBe('reset');
});

test('a kept-alive connection the server closed while idle is not reused', async () => {
  let n = 0;
  const port = await server((_h, sock) => {
    n++;
    // Answer, then close the connection behind the client's back after a moment.
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    setTimeout(() => sock.destroy(), 10);
  });
  const p = pool(port);
  expect((await send(p)).body).toBe('ok');
  // Until the close reached the pool (a fixed pause can be too short on a busy machine, and then
  // the second request races the server's close on the old connection instead).
  await waitUntil(() => p.connections === 0, { describe: 'the pool to drop the closed connection' });
  expect(await send(p)).toMatchObject({ status: 200, body: 'ok' });
  expect(n).toBe(2);
  await p.close();
});

test('a reused connection that dies before any response byte is retried once on a new one', async () => {
  const perConn = new Map<net.Socket, number>();
  const port = await server((_h, sock) => {
    const n = (perConn.get(sock) ?? 0) + 1;
    perConn.set(sock, n);
    // The second request on a connection hits a server that just gave up on it.
    if (n === 2) sock.destroy();
    else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const p = pool(port);
  expect((await send(p)).body).toBe('ok');
  expect(await send(p)).toMatchObject({ status: 200, body: 'ok' });
  expect(perConn.size).toBe(2);
  // With a body the request is not replayed: the caller sees the reset (and its retry policy decides).
  const third = await send(p, { method: 'POST', headers: { 'content-length': '1' }, body: Readable.from([Buffer.from('x')]) });
  expect(third.failure).toBe('reset');
  await p.close();
});

describe('upgrade requests', () => {
  const upgradeReq = { headers: { connection: 'upgrade', upgrade: 'websocket' }, upgrade: true };

  test('a 101 hands the connection over (out of the pool) with the bytes that followed it', async () => {
    const heads: string[] = [];
    const port = await server((head, sock) => {
      heads.push(head);
      sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nfirst bytes');
      sock.on('data', (d) => sock.write(`echo:${d}`));
    });
    const p = pool(port);
    const got = await new Promise<{ status: number; headers: Record<string, unknown>; socket: net.Socket; rest: string }>((resolve, reject) => {
      p.send({ method: 'GET', path: '/ws', authority: 'svc.local', body: null, ...upgradeReq }, {
        onHeaders: () => reject(new Error('onHeaders for a 101')),
        onData: () => true,
        onEnd: () => reject(new Error('onEnd')),
        onFailure: (k) => reject(new Error(k)),
        onUpgrade: (headers, socket, rest) => resolve({ status: 101, headers, socket, rest: rest.toString() }),
      });
    });
    expect(heads[0]).toContain('\r\nconnection: upgrade\r\nupgrade: websocket');
    expect(got.headers).toMatchObject({ upgrade: 'websocket', connection: 'Upgrade' });
    expect(got.rest).toBe('first bytes');
    expect(p.connections).toBe(0);
    // The socket is paused and ours alone: nothing was read from it while nobody listened.
    expect(got.socket.isPaused()).toBe(true);
    got.socket.write('hi');
    const echoed = new Promise<string>((r) => got.socket.once('data', (d) => r(d.toString())));
    got.socket.resume();
    expect(await echoed).toBe('echo:hi');
    got.socket.destroy();
    await p.close();
  });

  test('any other answer to an upgrade request is an ordinary response; a 101 to a plain request is skipped', async () => {
    const port = await server((head, sock) => {
      if (head.includes('/refuse')) sock.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\nnope');
      else sock.write('HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = pool(port);
    expect(await send(p, { path: '/refuse', ...upgradeReq })).toMatchObject({ status: 400, body: 'nope' });
    expect(await send(p, { path: '/plain' })).toMatchObject({ status: 200, body: 'ok' });
    await p.close();
  });
});
