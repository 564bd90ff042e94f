// The proxy's admin interface (Envoy's :9901). Pages live in a route table so other modules add
// their own with registerAdminRoute() (certs-page.ts adds /certs, for instance) without touching
// this file. Binds 127.0.0.1 only.

import * as http from 'http';
import type { AddressInfo } from 'net';
import { ListenerGuard } from '../../base/listener-guard';
import type { AdminContext } from './admin-context';

export type AdminHandler = (
  req: http.IncomingMessage, res: http.ServerResponse, ctx: AdminContext, url: URL,
) => void | Promise<void>;

export interface AdminRoute {
  help: string;
  handler: AdminHandler;
  /** Allowed methods (default GET). */
  methods?: string[];
}

const routes = new Map<string, AdminRoute>();

/** Adds (or replaces) an admin page for every proxy in this process. */
export function registerAdminRoute(path: string, route: AdminRoute): void {
  routes.set(path, route);
}

export function sendText(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache, max-age=0' });
  res.end(body);
}

export function sendJson(res: http.ServerResponse, value: unknown): void {
  sendText(res, 200, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

export class AdminServer {
  private readonly server: http.Server;
  port = 0;

  constructor(
    private readonly ctx: AdminContext,
    private readonly address = '127.0.0.1',
    private readonly requestedPort = 9901,
    /** Who may use the pages (default: this user's processes; config dumps name certificates and endpoints). */
    private readonly guard = new ListenerGuard(),
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.requestedPort, this.address, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refusal = await this.guard.checkRequest(req);
    if (refusal) {
      sendText(res, refusal.status, `${refusal.message}\n`);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = routes.get(url.pathname);
    if (!route) {
      sendText(res, 404, `invalid path. admin commands are:\n${help()}`);
      return;
    }
    if (!(route.methods ?? ['GET']).includes(req.method ?? 'GET')) {
      sendText(res, 405, `This admin endpoint requires ${(route.methods ?? ['GET']).join(' or ')}.\n`);
      return;
    }
    try {
      // A worker pool gathers its workers' state first. Optional: the index page needs no proxy, and an
      // admin server can be made for it alone (tests of the listener's own checks do so).
      await this.ctx.proxy?.refresh?.();
      await route.handler(req, res, this.ctx, url);
    } catch (e) {
      if (!res.headersSent) sendText(res, 500, `${(e as Error).message}\n`);
      else res.destroy();
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function help(): string {
  return [...routes].sort(([a], [b]) => a.localeCompare(b)).map(([p, r]) => `  ${p}: ${r.help}`).join('\n') + '\n';
}

// ---- the built-in pages ------------------------------------------------------------------------

registerAdminRoute('/', { help: 'this list', handler: (_q, res) => sendText(res, 200, `admin commands are:\n${help()}`) });

registerAdminRoute('/ready', {
  help: 'print server state, return 200 if LIVE, otherwise return 503',
  handler: (_q, res, ctx) => (ctx.proxy.ready ? sendText(res, 200, 'LIVE\n') : sendText(res, 503, 'PRE_INITIALIZING\n')),
});

registerAdminRoute('/server_info', {
  help: 'print server version/status information',
  handler: (_q, res, ctx) => {
    const p = ctx.proxy;
    sendJson(res, {
      version: `awsmesh-local/${serverVersion()}`,
      state: p.ready ? 'LIVE' : 'PRE_INITIALIZING',
      uptime_current_epoch: `${Math.floor((Date.now() - p.startedAt) / 1000)}s`,
      uptime_all_epochs: `${Math.floor((Date.now() - p.startedAt) / 1000)}s`,
      hot_restart_version: 'disabled',
      node: { id: ctx.nodeId, cluster: ctx.cluster, metadata: { mesh: ctx.mesh, [ctx.kind]: ctx.name } },
      command_line_options: { concurrency: p.concurrency, mode: 'Serve' },
      listeners: p.listeners(),
      config: { version: p.current?.version ?? 0, updates: p.updates },
      ...(ctx.info ?? {}),
      ...(p.workerInfo ? { workers: p.workerInfo() } : {}),
    });
  },
});

/* eslint-disable @typescript-eslint/no-require-imports */
type Pages = typeof import('./admin-pages');
// The page bodies live in admin-pages.ts (loaded on the first request for them).
const pages = (): Pages => require('./admin-pages') as Pages;
/* eslint-enable @typescript-eslint/no-require-imports */

function sendPage(res: http.ServerResponse, page: { status: number; body: string; type?: string }): void {
  sendText(res, page.status, page.body, page.type);
}

registerAdminRoute('/config_dump', {
  help: 'dump current Envoy configs (the translated App Mesh resources this proxy runs); ?include_eds, ?resource=, ?name_regex=',
  handler: (_q, res, ctx, url) => sendPage(res, pages().configDumpPage(ctx, url)),
});

registerAdminRoute('/clusters', {
  help: 'upstream cluster status (hosts, health flags, outlier ejections); ?format=json',
  handler: (_q, res, ctx, url) => sendPage(res, pages().clustersPage(ctx, url)),
});

registerAdminRoute('/listeners', {
  help: 'print listener info',
  handler: (_q, res, ctx) => sendText(res, 200, `${ctx.proxy.listeners().map((l) => `${l.name}::${l.address}:${l.port}`).join('\n')}\n`),
});

registerAdminRoute('/stats', {
  help: 'print server stats; ?filter=regex, ?usedonly, ?type=Counters|Gauges|Histograms, ?format=json|prometheus',
  handler: (_q, res, ctx, url) => sendPage(res, pages().statsPage(ctx, url)),
});

registerAdminRoute('/stats/prometheus', {
  help: 'print server stats in prometheus format (App Mesh stat tags as labels); ?usedonly, ?filter=regex',
  handler: (_q, res, ctx, url) => sendPage(res, pages().statsPage(ctx, url, true)),
});

let version: string | undefined;
function serverVersion(): string {
  if (!version) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      version = (require('../../../package.json') as { version: string }).version;
    } catch {
      version = 'dev';
    }
  }
  return version;
}
