// A worker process of `awsmesh proxy --concurrency N` (started by worker-pool.ts through
// node:cluster): one Proxy serving the listeners with the configuration the primary sends, and
// its stats on request. Listening sockets are node:cluster's, so every worker serves the same ports.
// Ctrl-C reaches the whole process group: a worker ignores SIGINT and stops when the primary says
// so (or exits when the primary is gone: node:cluster exits a worker whose channel disconnects).

import { Proxy } from '../proxy';
import { otlpSpanExporter } from '../telemetry/proxy-telemetry';
import { serializeStatGroups } from '../telemetry/stats-merge';
import { shipError, type FromWorker, type ToWorker, type WorkerInit } from './protocol';

let proxy: Proxy | undefined;
let version = 0;
/** Messages are handled one at a time, in order: configurations apply in the order sent. */
let queue: Promise<void> = Promise.resolve();

function send(msg: FromWorker): void {
  if (process.connected) process.send!(msg);
}

function start(init: WorkerInit): void {
  const log = init.quiet ? () => undefined : (line: string) => process.stderr.write(`[${new Date().toISOString()}] worker ${init.index} (pid ${process.pid}): ${line}\n`);
  const report = (cluster: string, host: string, healthy: boolean | null) => send({ type: 'health', cluster, host, healthy });
  proxy = new Proxy(log, { caDir: init.caDir, health: { prober: init.prober, report } });
  proxy.telemetry.identity = init.identity;
  if (init.otlpEndpoint) proxy.telemetry.spans = otlpSpanExporter(init.otlpEndpoint, init.identity, log);
  send({ type: 'ready', pid: process.pid });
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'init') return start(msg);
  const p = proxy;
  if (!p) return;
  switch (msg.type) {
    case 'apply':
      try {
        await p.apply(msg.resources);
        version = msg.version;
        send({ type: 'applied', id: msg.id, listeners: p.listeners() });
      } catch (e) {
        send({ type: 'failed', id: msg.id, error: shipError(e) });
      }
      return;
    case 'snapshot': {
      // Per-process facts (server.*, listener_manager.*) are the primary's to report.
      const groups = p.statsGroups().filter(([prefix]) => prefix !== 'server' && prefix !== 'listener_manager.lds');
      send({
        type: 'snapshot', id: msg.id,
        snapshot: { pid: process.pid, version, groups: serializeStatGroups(groups), clusters: p.clusterViews(), certs: p.tls?.certs() },
      });
      return;
    }
    case 'health':
      p.relayHealth(msg.cluster, msg.host, msg.healthy);
      return;
    case 'stop':
      await p.close(msg.graceMs).catch(() => undefined);
      process.exit(0);
  }
}

process.on('SIGINT', () => undefined);
process.on('message', (msg: ToWorker) => {
  queue = queue.then(() => handle(msg)).catch((e: Error) => {
    process.stderr.write(`worker: ${e.message}\n`);
  });
});
