// Listeners and their network filters: the HTTP connection manager (HCM) shape of App Mesh's
// config dumps (dataplane.md §1.3), tcp_proxy for TCP listeners, access logs from spec.logging.

import type { Logging } from '../../mesh/types';
import { DEFAULT_IDLE_TIMEOUT_MS, TYPE } from './defaults';
import { envoyDuration } from './durations';
import type { FilterChain, HttpConnectionManager, Listener, TcpProxy, TypedExtension } from './envoy-types';
import { listenerName } from './names';

/** spec.logging.accessLog.file → Envoy file access logger (text format string or JSON struct). */
export function accessLogs(logging: Logging | undefined): TypedExtension[] | undefined {
  const file = logging?.accessLog?.file;
  if (!file?.path) return undefined;
  const config: Record<string, unknown> = { '@type': TYPE.fileAccessLog, path: file.path };
  if (file.format?.text !== undefined) {
    config.log_format = { text_format_source: { inline_string: file.format.text } };
  } else if (file.format?.json) {
    config.log_format = { json_format: Object.fromEntries(file.format.json.map((kv) => [kv.key, kv.value])) };
  }
  return [{ name: 'envoy.access_loggers.file', typed_config: config as TypedExtension['typed_config'] }];
}

export function httpConnectionManager(opts: {
  statPrefix: string;
  routeConfigName: string;
  logging?: Logging;
  idleMs?: number;
  /** Egress accepts CONNECT for TCP routes; HTTP listeners accept websocket upgrades. */
  upgrades: string[];
}): TypedExtension {
  const hcm: HttpConnectionManager = {
    '@type': TYPE.hcm,
    stat_prefix: opts.statPrefix,
    codec_type: 'AUTO',
    rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: opts.routeConfigName },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router } }],
    stream_idle_timeout: envoyDuration(opts.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS),
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
  };
  if (opts.upgrades.length) hcm.upgrade_configs = opts.upgrades.map((u) => ({ upgrade_type: u, enabled: true }));
  const logs = accessLogs(opts.logging);
  if (logs) hcm.access_log = logs;
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm };
}

export function tcpProxy(opts: { statPrefix: string; cluster: string; idleMs?: number; logging?: Logging }): TypedExtension {
  const tp: TcpProxy = {
    '@type': TYPE.tcpProxy,
    stat_prefix: opts.statPrefix,
    cluster: opts.cluster,
    idle_timeout: envoyDuration(opts.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS),
  };
  const logs = accessLogs(opts.logging);
  if (logs) tp.access_log = logs;
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: tp };
}

export const TLS_INSPECTOR: TypedExtension = {
  name: 'envoy.filters.listener.tls_inspector',
  typed_config: { '@type': TYPE.tlsInspector },
};

export function listener(
  direction: 'ingress' | 'egress', address: string, port: number, chains: FilterChain[],
): Listener {
  return {
    name: listenerName(direction, address, port),
    address: { socket_address: { address, port_value: port, protocol: 'TCP' } },
    traffic_direction: direction === 'ingress' ? 'INBOUND' : 'OUTBOUND',
    listener_filters: [TLS_INSPECTOR],
    filter_chains: chains,
  };
}
