// The upstream client's read path with real sockets: plain connections read directly (direct-read.ts)
// into one buffer shared by every connection, so whatever outlives a read (a partial head, a
// partial chunk line, body pieces handed on, bytes after a 101) must be copied out. These cases
// run several connections at once so their reads interleave in that buffer, with bodies that span
// many reads, back-pressure, an upstream closing mid-body, a repeated response head (parsed once,
// then recognised byte for byte) and a WebSocket-style upgrade whose socket streams again.

import { createHash, randomBytes } from 'crypto';
import * as net from 'net';
import { Http1Pool } from '../../src/dataplane/cluster/http1-client';
import type { FailureKind, UpstreamRequest } from '../../src/dataplane/cluster/upstream-call';
import { DeadlineQueue, type DeadlineOwner } from '../../src/dataplane/http/deadlines';
import { readDirect } from '../../src/base/direct-read';
import { waitUntil } from '../helpers/wait';

interface Result {
  status?: number;
  headers?: Record<string, unknown>;
  body: Buffer;
  trailers?: Record<string, unknown>;
  failure?: FailureKind;
}

const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A raw server: `answer` gets each request's path and the socket (requests here have no body). */
async function server(answer: (path: string, sock: net.Socket) => void): Promise<number> {
  const s = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const path = buf.slice(0, end).split(' ')[1];
        buf = buf.slice(end + 4);
        answer(path, sock);
      }
    });
    sock.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

/** One call; with `pauseEvery`, the handler refuses every n-th piece (back-pressure) and resumes on the next turn. */
function send(pool: Http1Pool, path: string, pauseEvery = 0): Promise<Result> {
  return new Promise((resolve) => {
    const r: Result = { body: Buffer.alloc(0) };
    const pieces: Buffer[] = [];
    let n = 0;
    const req: UpstreamRequest = { method: 'GET', path, authority: 'svc.local', headers: {}, body: null };
    const call = pool.send(req, {
      onHeaders: (status, headers) => Object.assign(r, { status, headers }),
      onData: (c) => {
        pieces.push(c);
        if (pauseEvery > 0 && ++n % pauseEvery === 0) {
          setImmediate(() => call.resume());
          return false;
        }
        return true;
      },
      onEnd: (t) => resolve({ ...r, body: Buffer.concat(pieces), trailers: t }),
      onFailure: (kind) => resolve({ ...r, body: Buffer.concat(pieces), failure: kind }),
    });
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pool = (port: number) => new Http1Pool('127.0.0.1', port, { connectTimeoutMs: 2000 });
/** Writes `parts` one per event-loop turn of the server, so they tend to arrive as separate reads. */
async function trickle(sock: net.Socket, parts: Array<string | Buffer>): Promise<void> {
  for (const p of parts) {
    sock.write(p);
    await new Promise((r) => setImmediate(r));
  }
}

test('bodies over many reads, interleaved on several connections, arrive byte for byte (content-length, chunked, until close)', async () => {
  const big = randomBytes(1024 * 1024 + 17);
  const port = await server((path, sock) => {
    if (path === '/length') {
      // The head split inside a header line, then the body in uneven pieces.
      const parts: Array<string | Buffer> = [`HTTP/1.1 200 OK\r\ncontent-le`, `ngth: ${big.length}\r\nx-kind: length\r\n\r\n`];
      for (let at = 0; at < big.length; at += 70_001) parts.push(big.subarray(at, at + 70_001));
      void trickle(sock, parts);
    } else if (path === '/chunked') {
      // Chunk size lines and CRLFs split across writes, a trailer at the end.
      const parts: Array<string | Buffer> = ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'];
      for (let at = 0; at < big.length; at += 50_000) {
        const piece = big.subarray(at, at + 50_000);
        const size = piece.length.toString(16);
        parts.push(size.slice(0, 1), `${size.slice(1)}\r`, '\n', piece.subarray(0, 10), piece.subarray(10), '\r', '\n');
      }
      parts.push('0\r\nx-trail', 'er: done\r\n\r\n');
      void trickle(sock, parts);
    } else {
      void trickle(sock, ['HTTP/1.1 200 OK\r\nx-kind: close\r\n\r\n', big.subarray(0, 300_000), big.subarray(300_000)]).then(() => sock.end());
    }
  });
  const p = pool(port);
  const [a, b, c, d] = await Promise.all([send(p, '/length', 3), send(p, '/chunked', 5), send(p, '/close', 2), send(p, '/length')]);
  for (const r of [a, b, c, d]) {
    expect(r.failure).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(big.length);
    expect(sha(r.body)).toBe(sha(big));
  }
  expect(a.headers).toMatchObject({ 'content-length': String(big.length), 'x-kind': 'length' });
  expect(b.trailers).toEqual({ 'x-trailer': 'done' });
  expect(c.headers).toMatchObject({ 'x-kind': 'close' });
  await p.close();
});

test('an upstream closing mid-body fails the call (reset) after the bytes it sent; the pool does not keep the connection', async () => {
  const port = await server((path, sock) => {
    void trickle(sock, ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', 'x'.repeat(40)]).then(() => sock.destroy());
  });
  const p = pool(port);
  const r = await send(p, '/');
  expect(r).toMatchObject({ status: 200, failure: 'reset' });
  expect(r.body.toString()).toBe('x'.repeat(40));
  await waitUntil(() => p.connections === 0, { describe: 'the closed connection to leave the pool' });
  await p.close();
});

test('a repeated response head is parsed once and shared (frozen); a different head is parsed anew', async () => {
  const heads: Record<string, string> = {
    '/a': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello',
    '/b': 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\nabc',
  };
  const port = await server((path, sock) => sock.write(heads[path]));
  const p = pool(port);
  const first = await send(p, '/a');
  const second = await send(p, '/a');
  const other = await send(p, '/b');
  const again = await send(p, '/a');
  expect(first).toMatchObject({ status: 200, headers: { 'content-type': 'text/plain', 'content-length': '5', 'set-cookie': ['a=1', 'b=2'] } });
  expect(first.body.toString()).toBe('hello');
  expect(second.headers).toBe(first.headers);
  expect(Object.isFrozen(second.headers)).toBe(true);
  expect(second.body.toString()).toBe('hello');
  expect(other).toMatchObject({ status: 201, headers: { 'content-length': '3', 'x-dup': '1, 2' } });
  expect(other.body.toString()).toBe('abc');
  expect(again.headers).toEqual(first.headers);
  expect(again.body.toString()).toBe('hello');
  await p.close();
});

test('after a 101 the connection streams again: early bytes kept, then a large echo with back-pressure', async () => {
  const port = await server((_path, sock) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly');
    sock.on('data', (d) => sock.write(d));
  });
  const p = pool(port);
  // A busy neighbour on the same pool reads through the shared buffer meanwhile.
  const neighbour = server((_path, sock) => void trickle(sock, ['HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\n', 'abc', 'def']));
  const np = pool(await neighbour);
  const got = await new Promise<{ socket: net.Socket; rest: string }>((resolve, reject) => {
    p.send({ method: 'GET', path: '/ws', authority: 'svc.local', headers: { connection: 'upgrade', upgrade: 'websocket' }, body: null, upgrade: true }, {
      onHeaders: () => reject(new Error('onHeaders for a 101')),
      onData: () => true,
      onEnd: () => reject(new Error('onEnd')),
      onFailure: (k) => reject(new Error(k)),
      onUpgrade: (_h, socket, rest) => resolve({ socket, rest: rest.toString() }),
    });
  });
  expect(got.rest).toBe('early');
  const payload = randomBytes(512 * 1024);
  const echoed: Buffer[] = [];
  let n = 0;
  const done = new Promise<void>((resolve) => {
    got.socket.on('data', (d: Buffer) => {
      echoed.push(d);
      n += d.length;
      // A slow reader: pause after each piece, resume on the next turn.
      got.socket.pause();
      setImmediate(() => got.socket.resume());
      if (n >= payload.length) resolve();
    });
  });
  got.socket.resume();
  const [neighbourResult] = await Promise.all([send(np, '/'), Promise.resolve(got.socket.write(payload))]);
  await done;
  expect(neighbourResult.body.toString()).toBe('abcdef');
  expect(sha(Buffer.concat(echoed))).toBe(sha(payload));
  got.socket.destroy();
  await p.close();
  await np.close();
});

describe('route timeouts: DeadlineQueue', () => {
  const owner = (fired: string[], name: string): DeadlineOwner & { name: string } => ({
    name, deadlineAt: 0, onDeadline: () => fired.push(name),
  });

  test('fires live entries in order, never cancelled ones', async () => {
    const q = new DeadlineQueue(20);
    const fired: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((n) => owner(fired, n));
    q.add(a);
    q.add(b);
    q.add(c);
    q.cancel(b);
    await waitUntil(() => fired.length === 2, { describe: 'a and c to fire' });
    expect(fired).toEqual(['a', 'c']);
    expect(q.size).toBe(0);
    // A later entry is armed afresh after the queue ran empty.
    const d = owner(fired, 'd');
    q.add(d);
    await waitUntil(() => fired.length === 3, { describe: 'd to fire' });
    expect(fired).toEqual(['a', 'c', 'd']);
  });

  test('cancelled entries do not pile up while requests come and go', () => {
    const q = new DeadlineQueue(60_000);
    const fired: string[] = [];
    const inFlight: DeadlineOwner[] = [];
    let largest = 0;
    for (let i = 0; i < 50_000; i++) {
      const o = owner(fired, String(i));
      q.add(o);
      inFlight.push(o);
      if (inFlight.length > 50) q.cancel(inFlight.shift()!);
      largest = Math.max(largest, q.size);
    }
    // Compaction keeps it near the number in flight (51), not the 50,000 armed.
    expect(largest).toBeLessThanOrEqual(2 * 51 + 65);
    for (const o of inFlight) q.cancel(o);
    expect(q.size).toBe(0);
    expect(fired).toEqual([]);
  });
});

describe('direct reads on accepted sockets (direct-read.ts)', () => {
  test('a fresh plain socket reads through the callback; one holding unshifted bytes stays a stream', async () => {
    const got: string[] = [];
    const results: boolean[] = [];
    const s = net.createServer((sock) => {
      if (results.length === 1) sock.unshift(Buffer.from('held:'));
      const direct = readDirect(sock, (n, buf) => {
        got.push(`direct ${buf.toString('latin1', 0, n)}`);
        return true;
      });
      results.push(direct);
      if (!direct) sock.on('data', (d) => got.push(String(d)));
      sock.on('error', () => undefined);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as net.AddressInfo).port;
    for (const text of ['one', 'two']) {
      const c = net.connect(port, '127.0.0.1', () => c.end(text));
      await waitUntil(() => got.some((g) => g.endsWith(text)), { describe: `"${text}" to arrive`, observe: () => got });
    }
    expect(results).toEqual([true, false]);
    expect(got[0]).toBe('direct one');
    expect(got.slice(1).join('')).toBe('held:two');
  });
});
