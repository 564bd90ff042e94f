// HTTP/1.1 Upgrade (WebSocket) on the proxy's listeners, as Envoy's `upgrade_configs` allow it.
// The upgrade request itself is an ordinary Exchange (route, weighted cluster, circuit breaker,
// retries before any answer); these are the pieces around it: which upgrades are allowed, a
// response object for a connection the HTTP server has let go of, the relayed 101, and the
// tunnel that carries the new protocol until either side closes or it idles.

import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'http';
import type * as net from 'net';
import { splice } from '../tcp/tunnel';

/** An upgrade request's downstream side: the connection and the bytes read past its head. */
export interface UpgradeDownstream {
  socket: net.Socket;
  head: Buffer;
  /** Whether the connection manager's upgrade_configs list this Upgrade type (else: 403). */
  allowed: boolean;
}

/** The Upgrade header, lower case (Envoy compares upgrade types without case). */
export function upgradeType(req: IncomingMessage): string {
  const v = req.headers.upgrade;
  return (Array.isArray(v) ? v.join(',') : v ?? '').trim().toLowerCase();
}

/**
 * The request head again without an `Upgrade: h2c` offer (Envoy strips h2c upgrades and serves
 * the request over HTTP/1.1): fed back to the HTTP server, it is read as a plain request.
 */
export function withoutUpgrade(req: IncomingMessage): Buffer {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    let value = raw[i + 1];
    if (name === 'upgrade' || name === 'http2-settings') continue;
    if (name === 'connection') {
      value = value.split(',').map((t) => t.trim()).filter((t) => !/^(upgrade|http2-settings)$/i.test(t)).join(', ');
      if (!value) continue;
    }
    head += `${raw[i]}: ${value}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * A response object on a connection the HTTP server handed over with its upgrade request. Any
 * answer other than a 101 goes out through it with `connection: close`, and the connection ends.
 */
export function detachedResponse(req: IncomingMessage, socket: net.Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  // As Node's server does after `connection: close`: FIN once the response is out, then let go.
  res.once('finish', () => socket.end(() => socket.destroy()));
  return res;
}

/** Sends the upstream's 101 downstream; from now on the connection is no longer HTTP. */
export function switchProtocols(res: ServerResponse, socket: net.Socket, headers: OutgoingHttpHeaders): void {
  res.detachSocket(socket);
  let head = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) head += `${k}: ${x}\r\n`;
    else head += `${k}: ${v}\r\n`;
  }
  socket.write(`${head}\r\n`, 'latin1');
}

export interface TunnelResult {
  /** Bytes from the downstream after its upgrade request, and from the upstream after its 101. */
  received: number;
  sent: number;
  /** Closed by the idle timeout. */
  idle: boolean;
}

/**
 * Carries the upgraded connection both ways (back-pressure, half-close, idle timeout: splice())
 * until both sides are closed. `downHead`/`upHead` are bytes each side sent right behind its
 * HTTP head; they go first.
 */
export function tunnel(
  down: net.Socket, downHead: Buffer, up: net.Socket, upHead: Buffer, idleMs: number, done: (r: TunnelResult) => void,
): void {
  if (upHead.length) down.write(upHead);
  if (downHead.length) up.write(downHead);
  splice(down, up, idleMs, (r) => done({ received: r.aToB + downHead.length, sent: r.bToA + upHead.length, idle: r.idle }));
}
