// `awsmesh serve`: the production face of the server `local serve` runs — the same request
// handler, codecs, providers and ADS server — with TLS, authentication and authorization against
// awsmesh's own IAM, proxy authorization on xDS streams, limits, debounced pushes, and an admin
// port for probes and Prometheus.

import * as grpc from '@grpc/grpc-js';
import { ListenerGuard } from '../../base/listener-guard';
import { isLoopback } from '../../base/loopback';
import type { App } from '../../core/app';
import { GeneralError, UsageError } from '../../base/errors';
import { untilSignal } from '../../base/signals';
import { parseNodeId } from '../../xds/node-id';
import type { AdsServerHandle } from '../../xds';
import { IamAuthenticator } from '../auth/iam-auth';
import { startServer, type RunningServer } from '../http-server';
import { packageVersion } from '../serve-command';
import { Readiness, startAdminServer, type AdminServer } from './admin';
import { CONSOLE_PATH, mountConsole, type ConsoleMount } from './console-mount';
import { ServeMetrics } from './metrics';
import { resolveServeOptions, type ServeOptions } from './options';
import { loadTls, ReloadableServerCredentials, secureContextOptions, watchTls, type TlsMaterial } from './tls';
import { XdsGuard } from './xds-guard';
import { listenXds, type XdsListener } from './xds-listener';

function checkExposure(o: ServeOptions, tls: boolean, warn: (line: string) => void): void {
  if (isLoopback(o.host)) return;
  const missing = [!tls && 'TLS (--tls-cert/--tls-key or --tls-hostname)', o.auth !== 'iam' && 'authentication (--auth iam)'].filter(Boolean);
  if (!missing.length) return;
  if (!o.insecure) {
    throw new UsageError(`listening on ${o.host} (not loopback) needs ${missing.join(' and ')}; pass --insecure to serve without them anyway`);
  }
  warn(`WARNING: --insecure: listening on ${o.host} without ${missing.join(' and ')}: anyone who can reach this address can read and change the mesh and its IAM.`);
}

async function listen<T>(what: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new GeneralError(`Could not listen (${what}) on ${host}:${port}: ${why}`);
  }
}

export async function runProductionServe(app: App, flags: Record<string, unknown>, stop: Promise<unknown> = untilSignal()): Promise<void> {
  const io = app.io;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('yaml') as typeof import('yaml');
  const o = resolveServeOptions(flags, app.env, (t) => yaml.parse(t));
  const log = (line: string) => io.stderr.write(`${line}\n`);
  let tls: TlsMaterial | undefined = await loadTls(o, app.env);
  checkExposure(o, Boolean(tls), log);
  const region = app.region();
  const backend = await app.localBackend();
  // A store that cannot be used stops the start here (exit 255), as for `local serve`.
  await backend.store.ping().catch(async (e) => {
    await backend.close();
    throw e;
  });
  const account = backend.settings.account;

  let stopping = false;
  let ads: AdsServerHandle | undefined;
  let api: RunningServer | undefined;
  let admin: AdminServer | undefined;
  let xdsListener: XdsListener | undefined;
  let unwatchTls: (() => void) | undefined;
  let consoleMount: ConsoleMount | undefined;
  let xdsReady = false;
  const iam = o.auth === 'iam' ? new IamAuthenticator({ store: backend.store, account }) : undefined;
  const metrics = new ServeMetrics(() => (ads?.status().clients ?? []).map((c) => {
    const n = parseNodeId(c.nodeId);
    return { mesh: n?.mesh ?? '', kind: n?.kind ?? '', client: c.flavor };
  }));
  const readiness = new Readiness();
  // Not ready while the store is unreachable (PostgreSQL away, login refused, a newer schema).
  readiness.register('store', async () => {
    await backend.store.ping();
    return undefined;
  });
  readiness.register('xds', () => (xdsReady ? undefined : 'the xDS server has not built its first snapshot yet'));

  try {
    const mount = mountConsole({
      backend, region, account, home: backend.settings.home, version: packageVersion(), iam, secure: Boolean(tls),
      xds: { address: `${o.host}:${o.xdsPort}`, clients: () => ads?.status().clients ?? [] },
      log: o.quiet ? undefined : log,
    });
    consoleMount = mount;
    const credentials = tls ? new ReloadableServerCredentials(tls) : grpc.ServerCredentials.createInsecure();
    api = await listen('API', o.host, o.port, () => startServer({
      backend, host: o.host, port: o.port, maxBodyBytes: o.maxBodyBytes, defaultRegion: region, version: packageVersion(),
      tls: tls ? secureContextOptions({ ...tls, clientCa: undefined }) : undefined,
      iam: iam ? { auth: iam, account, onRefused: (reason) => metrics.apiRefused.inc({ reason }) } : undefined,
      // Authenticated requests may come from any user and name the server any way; without
      // authentication (--auth none) only this user's processes, by loopback names (or any, with --insecure).
      guard: new ListenerGuard({ allowOtherUsers: Boolean(iam), allowAnyHost: Boolean(iam) || !isLoopback(o.host) }),
      log: o.quiet ? undefined : log,
      extraRoutes: mount.route, browserPath: CONSOLE_PATH,
      onInternalError: (err) => log(`internal error: ${err instanceof Error ? err.stack : String(err)}`),
    }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startAdsServer } = require('../../xds') as typeof import('../../xds');
    ads = await listen('xDS', o.host, o.xdsPort, () => startAdsServer({
      backend, region, host: o.host, port: o.xdsPort, log,
      guard: new XdsGuard({ iam, account, signingNames: o.signingName }),
      peers: new ListenerGuard({ allowOtherUsers: Boolean(iam) }),
      limits: { maxStreams: o.maxStreams, requestsPerSecond: o.streamRps },
      debounce: { quietMs: o.debounceMs, maxDelayMs: o.debounceMaxMs },
      // Detect dead proxies; the App Mesh image pings every 10 s, which grpc-js always accepts.
      grpcOptions: { 'grpc.keepalive_time_ms': 60_000, 'grpc.keepalive_timeout_ms': 20_000, 'grpc.max_concurrent_streams': 100 },
      attach: async (server) => {
        xdsListener = await listenXds(server, {
          host: o.host, port: o.xdsPort, credentials, maxConnections: o.maxConnections,
          onRejected: (reason) => metrics.rejected.inc({ reason }),
        });
        return xdsListener.port;
      },
      onRefused: (r) => metrics.rejected.inc({ reason: r.reason }),
      observe: (e) => {
        if (e.kind === 'response') metrics.pushes.inc({ type: e.type.toLowerCase() });
        else if (e.kind === 'nack') metrics.nacks.inc({ type: e.type.toLowerCase() });
        else if (e.sinceChangeMs !== undefined) metrics.convergence.observe(e.sinceChangeMs / 1000);
      },
    }));
    await ads.refresh();
    xdsReady = true;
    admin = await listen('admin', o.adminHost, o.adminPort, () => startAdminServer({
      host: o.adminHost, port: o.adminPort, readiness, metrics: () => metrics.text(), stopping: () => stopping,
    }));
    if (tls) {
      unwatchTls = watchTls(tls, () => loadTls(o, app.env), (fresh) => {
        tls = fresh;
        api?.setSecureContext?.(secureContextOptions({ ...fresh, clientCa: undefined }));
        (credentials as ReloadableServerCredentials).update(fresh);
        log(`awsmesh serve: TLS certificate reloaded from ${fresh.source}`);
      }, (e) => log(`awsmesh serve: keeping the current TLS certificate: ${e.message}`));
    }
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    io.stdout.write(`listening on ${api.url}\n`);
    io.stdout.write(`xds listening on ${host}:${ads.port}${tls ? ' (TLS)' : ''}\n`);
    io.stdout.write(`admin listening on http://${o.adminHost.includes(':') ? `[${o.adminHost}]` : o.adminHost}:${admin.port}\n`);
    log(`awsmesh serve: state in ${backend.store.location}; region ${region}; account ${account}; ` +
      `TLS ${tls ? `from ${tls.source}${tls.clientCa ? ', client certificates accepted' : ''}` : 'off'}; ` +
      `authentication ${iam ? 'awsmesh IAM (SigV4)' : 'none'}; console at ${api.url}${CONSOLE_PATH}/${iam ? ' (sign in with an access key)' : ''}; pushes debounced ${o.debounceMs}-${o.debounceMaxMs} ms; Ctrl-C to stop`);
    const sig = await stop;
    log(`${typeof sig === 'string' ? `${sig}: ` : ''}shutting down`);
  } finally {
    stopping = true;
    unwatchTls?.();
    await ads?.close();
    await xdsListener?.close();
    await api?.close();
    await consoleMount?.close();
    await admin?.close();
    iam?.close();
    await backend.close();
  }
}
