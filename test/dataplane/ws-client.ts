// A raw WebSocket client for the upgrade tests: sends the upgrade request over a plain socket
// (absolute-form through an egress listener, or origin-form with a Host header), checks the
// handshake, then sends masked frames and reads frames, counting bytes both ways.

import { randomBytes } from 'crypto';
import type { IncomingHttpHeaders } from 'http';
import * as net from 'net';

export interface Frame {
  opcode: number;
  payload: Buffer;
}

interface FrameCodec {
  acceptKey(key: string): string;
  encodeFrame(opcode: number, payload: Buffer | string, mask: boolean): Buffer;
  FrameReader: new () => { push(chunk: Buffer): Frame[] };
}

// The echo server's own codec (a plain CommonJS file, also run as the server process).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const codec = require('./fixtures/ws-echo.js') as FrameCodec;
export const ECHO_SERVER = require.resolve('./fixtures/ws-echo.js');

export interface WsOptions {
  /** Request target: `http://svc/path` (absolute-form) or `/path` (with `host`). */
  target: string;
  host?: string;
  /** Upgrade header value (default websocket). */
  upgrade?: string;
  headers?: Record<string, string>;
  /** Frames sent in the same write as the request head, before any answer. */
  early?: string[];
}

export interface WsConn {
  socket: net.Socket;
  status: number;
  headers: IncomingHttpHeaders;
  /** Body of a non-101 answer (read until content-length or close). */
  body: string;
  /** Bytes written after the request head / received after the response head. */
  sentBytes: number;
  receivedBytes: number;
  send(text: string | Buffer, opcode?: number): void;
  /** Next frame, or an error when the connection ends first or `ms` pass. */
  next(ms?: number): Promise<Frame>;
  /** Resolves when the peer's FIN arrived ('end'). */
  ended: Promise<void>;
  closed: Promise<void>;
}

export function wsConnect(port: number, o: WsOptions): Promise<WsConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const key = randomBytes(16).toString('base64');
    const lines = [
      `GET ${o.target} HTTP/1.1`,
      `Host: ${o.host ?? new URL(o.target).host}`,
      'Connection: Upgrade',
      `Upgrade: ${o.upgrade ?? 'websocket'}`,
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${key}`,
      ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    const early = (o.early ?? []).map((t) => codec.encodeFrame(1, t, true));
    const conn: WsConn = {
      socket, status: 0, headers: {}, body: '', sentBytes: 0, receivedBytes: 0,
      send(text, opcode = 1) {
        const f = codec.encodeFrame(opcode, text, true);
        conn.sentBytes += f.length;
        socket.write(f);
      },
      next: (ms = 5000) => new Promise<Frame>((res, rej) => {
        const f = queue.shift();
        if (f) return res(f);
        if (over) return rej(new Error('connection ended'));
        const timer = setTimeout(() => rej(new Error(`no frame within ${ms} ms`)), ms);
        waiters.push({ res: (x) => (clearTimeout(timer), res(x)), rej: (e) => (clearTimeout(timer), rej(e)) });
      }),
      ended: new Promise<void>((r) => socket.once('end', () => r())),
      closed: new Promise<void>((r) => socket.once('close', () => r())),
    };
    const queue: Frame[] = [];
    const waiters: Array<{ res: (f: Frame) => void; rej: (e: Error) => void }> = [];
    let over = false;
    const endAll = () => {
      over = true;
      for (const w of waiters.splice(0)) w.rej(new Error('connection ended'));
    };
    socket.once('end', endAll);
    socket.once('close', endAll);
    const reader = new codec.FrameReader();
    let head = Buffer.alloc(0);
    let upgraded = false;
    let length = -1;
    const onFrames = (chunk: Buffer) => {
      conn.receivedBytes += chunk.length;
      for (const f of reader.push(chunk)) {
        const w = waiters.shift();
        if (w) w.res(f);
        else queue.push(f);
      }
    };
    socket.on('data', (d: Buffer) => {
      if (upgraded) return onFrames(d);
      if (conn.status && conn.status !== 101) {
        conn.body += d.toString('latin1');
        if (length >= 0 && conn.body.length >= length) resolve(conn);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...hl] = head.toString('latin1', 0, end).split('\r\n');
      conn.status = Number(statusLine.split(' ')[1]);
      for (const l of hl) {
        const c = l.indexOf(':');
        conn.headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      const rest = head.subarray(end + 4);
      if (conn.status === 101) {
        if (conn.headers['sec-websocket-accept'] !== codec.acceptKey(key)) {
          reject(new Error(`bad Sec-WebSocket-Accept: ${conn.headers['sec-websocket-accept']}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        resolve(conn);
        if (rest.length) onFrames(rest);
        return;
      }
      conn.body = rest.toString('latin1');
      length = conn.headers['content-length'] !== undefined ? Number(conn.headers['content-length']) : -1;
      if (length >= 0 && conn.body.length >= length) resolve(conn);
    });
    socket.once('close', () => {
      if (!conn.status) reject(new Error('connection closed before an answer'));
      else resolve(conn);
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      for (const f of early) conn.sentBytes += f.length;
      socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), ...early]));
    });
  });
}

/** Opens a connection, reads the greeting frame (JSON), and closes. */
export async function greeting(port: number, o: WsOptions): Promise<{ service: string; path: string; host: string }> {
  const c = await wsConnect(port, o);
  if (c.status !== 101) throw new Error(`status ${c.status}: ${c.body}`);
  const f = await c.next();
  c.socket.destroy();
  return JSON.parse(f.payload.toString());
}
