// Turns the Envoy resources of one translation into what the servers run: compiled route
// tables and, per listening socket, the HCM or tcp_proxy settings. Throws on anything it cannot
// run (the proxy then keeps its previous configuration, as Envoy does when it NACKs an update).

import type {
  EnvoyResources, FilterChain, HttpConnectionManager, Listener, TcpProxy, TypedExtension,
} from '../../envoy/translate/envoy-types';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import { accessLogger } from '../http/access-log';
import { CompiledRouteTable, pickTarget, type CompiledRoute } from './route-table';
import type { HcmRuntime, TcpProxyRuntime } from './runtime';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

export interface SocketPlan {
  /**
   * Stable identity across updates: direction, listener ordinal and chain slot (not the name,
   * which contains the port and changes when an ephemeral port becomes known).
   */
  key: string;
  listener: string;
  direction: 'INBOUND' | 'OUTBOUND';
  address: string;
  port: number;
  /** App Mesh listener port this socket serves (filter_chain_match.destination_port), if any. */
  destinationPort?: number;
  hcm?: HcmRuntime;
  tcp?: TcpProxyRuntime;
  /** The chain's DownstreamTlsContext; `permissive` when a plaintext chain shares the port. */
  tls?: { transportSocket: TypedExtension; permissive: boolean };
}

export function compileRouteTables(r: EnvoyResources): Map<string, CompiledRouteTable> {
  return new Map(r.routeConfigs.map((rc) => [rc.name, new CompiledRouteTable(rc)]));
}

/** The connection manager's upgrade_configs allow-list, lower case (Envoy compares without case). */
function enabledUpgrades(c: HttpConnectionManager): string[] {
  return (c.upgrade_configs ?? []).filter((u) => u.enabled !== false).map((u) => u.upgrade_type.toLowerCase());
}

function hcmRuntime(c: HttpConnectionManager): HcmRuntime {
  const routeConfigName = c.rds?.route_config_name;
  if (!routeConfigName) throw new Error('http_connection_manager without rds.route_config_name');
  return {
    routeConfigName,
    statPrefix: c.stat_prefix,
    normalizePath: c.normalize_path === true,
    mergeSlashes: c.merge_slashes === true,
    streamIdleMs: parseEnvoyDuration(c.stream_idle_timeout) ?? 300_000,
    accessLog: accessLogger(c.access_log),
    connect: enabledUpgrades(c).includes('connect'),
    upgrades: enabledUpgrades(c).filter((u) => u !== 'connect'),
  };
}

function tcpRuntime(c: TcpProxy): TcpProxyRuntime {
  let pick: () => string | undefined = () => c.cluster;
  const weighted = c.weighted_clusters?.clusters.filter((w) => w.weight > 0);
  if (!c.cluster && weighted?.length) {
    let sum = 0;
    const route = { targets: weighted.map((w) => ({ cluster: w.name, upTo: (sum += w.weight) })), totalWeight: sum } as CompiledRoute;
    pick = () => pickTarget(route);
  }
  return {
    statPrefix: c.stat_prefix,
    pick,
    idleMs: parseEnvoyDuration(c.idle_timeout) ?? 3_600_000,
    accessLog: accessLogger(c.access_log),
  };
}

/**
 * One socket per distinct destination port of a listener: without iptables nothing tells us
 * the port a connection was meant for, so the chain for the i-th port listens on port + i.
 * A TLS chain and a plaintext chain for the same port (PERMISSIVE) share the socket, which
 * tells them apart per connection (src/tls/downstream.ts).
 */
function socketsOf(l: Listener, ordinal: number): SocketPlan[] {
  const byPort = new Map<number | undefined, FilterChain[]>();
  for (const chain of l.filter_chains) {
    const p = chain.filter_chain_match?.destination_port;
    byPort.set(p, [...(byPort.get(p) ?? []), chain]);
  }
  const base = l.address.socket_address;
  let i = 0;
  const plans: SocketPlan[] = [];
  for (const [destinationPort, chains] of byPort) {
    const plain = chains.find((c) => !c.transport_socket);
    const secure = chains.find((c) => c.transport_socket);
    const chain = plain ?? chains[0];
    const filter = chain.filters[0];
    const plan: SocketPlan = {
      key: `${l.traffic_direction}:${ordinal}#${i}`,
      listener: l.name,
      direction: l.traffic_direction,
      address: base.address,
      port: base.port_value === 0 ? 0 : base.port_value + i,
      destinationPort,
      tls: secure ? { transportSocket: secure.transport_socket!, permissive: plain !== undefined } : undefined,
    };
    if (filter?.name === HCM) plan.hcm = hcmRuntime(filter.typed_config as HttpConnectionManager);
    else if (filter?.name === TCP_PROXY) plan.tcp = tcpRuntime(filter.typed_config as TcpProxy);
    else throw new Error(`listener ${l.name}: unsupported network filter ${filter?.name ?? '(none)'}`);
    plans.push(plan);
    i++;
  }
  return plans;
}

export function planSockets(r: EnvoyResources): SocketPlan[] {
  const seen: Record<string, number> = {};
  return r.listeners.flatMap((l) => {
    const ordinal = (seen[l.traffic_direction] = (seen[l.traffic_direction] ?? -1) + 1);
    return socketsOf(l, ordinal);
  });
}
