// The admin port of `awsmesh serve`: /healthz (the process answers), /readyz (every readiness
// check passes: the store answers, the xDS server has built its first snapshot, and whatever else
// registers one — e.g. a database store) and /metrics (Prometheus text). Kept off the API port so
// probes and scrapers need no credentials and the API needs no unauthenticated paths.

import * as http from 'http';
import type { AddressInfo } from 'net';

export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

/** Named checks; each returns undefined when ready, or why not. */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all([...this.checks].map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const why = await Promise.race([
          Promise.resolve(check()),
          new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
          }),
        ]);
        checks[name] = why ?? 'ok';
        if (why) ready = false;
      } catch (e) {
        checks[name] = (e as Error).message;
        ready = false;
      } finally {
        clearTimeout(timer);
      }
    }));
    return { ready, checks };
  }
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export async function startAdminServer(o: { host: string; port: number; readiness: Readiness; metrics: () => string; stopping: () => boolean }): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return reply(405, 'text/plain', 'GET only\n');
    if (url === '/healthz') return reply(o.stopping() ? 503 : 200, 'text/plain', o.stopping() ? 'stopping\n' : 'ok\n');
    if (url === '/readyz') {
      void o.readiness.report().then(({ ready, checks }) => {
        const isReady = ready && !o.stopping();
        reply(isReady ? 200 : 503, 'application/json', `${JSON.stringify({ ready: isReady, checks })}\n`);
      });
      return;
    }
    if (url === '/metrics') return reply(200, 'text/plain; version=0.0.4', o.metrics());
    return reply(404, 'text/plain', 'not found: /healthz, /readyz, /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
