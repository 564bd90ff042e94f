// `awsmesh console`'s own listener: 127.0.0.1 on a random port, and a per-run token. The URL the
// command prints carries the token once; the first request exchanges it for an HttpOnly,
// SameSite=Strict cookie and is redirected to the same address without it, so the token does not
// stay in the address bar, the history or a Referer. Requests without the cookie get nothing.

import { randomBytes } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { ListenerGuard } from '../base/listener-guard';
import type { ConsoleHandler } from './handler';
import { sameSecret } from './guard';

export interface ConsoleServerOptions {
  handler: ConsoleHandler;
  /** 0: a free one. The address is always 127.0.0.1. */
  port: number;
  /** Fixed token (tests); default: 24 random bytes. */
  token?: string;
}

export interface RunningConsole {
  /** The address to open, with the token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const NO_ACCESS = `<!doctype html><meta charset="utf-8"><title>awsmesh console</title>
<p>This console needs the address <code>awsmesh console</code> printed when it started (it carries a one-time access token).</p>\n`;

function cookies(req: http.IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<RunningConsole> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const session = randomBytes(24).toString('base64url');
  let port = 0;
  // Cookies are not separated by port: each console run has its own name.
  const cookieName = () => `awsmesh_console_${port}`;
  const ownHost = (host: string | undefined) => [`127.0.0.1:${port}`, `localhost:${port}`].includes(host ?? '');

  // Other users' processes are refused before anything else, token or not (base/listener-guard).
  const peers = new ListenerGuard();
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const refuse = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    // DNS rebinding: a page served from another name must not reach us even on our address.
    if (!ownHost(req.headers.host)) return refuse(403, 'This console answers only at its own address.\n');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameSecret(given, token) || req.method !== 'GET') return refuse(401, NO_ACCESS);
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: `${url.pathname}${url.search}${url.hash}`,
        'set-cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    if (!sameSecret(cookies(req).get(cookieName()), session)) return refuse(401, NO_ACCESS);
    o.handler.handle(req, res).then((handled) => {
      if (!handled) refuse(404, 'Not found.\n');
    }, () => {
      if (!res.headersSent) refuse(500, 'Internal error.\n');
    });
  };
  const server = http.createServer((req, res) => {
    void peers.checkConnection(req.socket).then((refusal) => {
      if (!refusal) return serve(req, res);
      res.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${refusal.message}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Event streams never end on their own.
      server.closeAllConnections();
    }),
  };
}
