// A virtual node's proxy: ingress (one filter chain per node listener, in front of the local
// app) and egress (its backends).

import type { HttpTimeout, VirtualNodeData } from '../../mesh/types';
import { ingressCluster } from './clusters';
import type { TranslationContext } from './context';
import { durationMs, envoyDuration } from './durations';
import { DEFAULT_PER_REQUEST_TIMEOUT_MS } from './defaults';
import { buildEgress, clientPolicyFor } from './egress';
import type { FilterChain, Listener, RouteConfiguration } from './envoy-types';
import { httpConnectionManager, listener, tcpProxy } from './listeners';
import { ingressRouteConfigName } from './names';
import { listenerChains, usesAcm } from './tls';

export function translateNodeResources(
  ctx: TranslationContext, node: VirtualNodeData,
): { listeners: Listener[]; routeConfigs: RouteConfiguration[] } {
  const name = node.virtualNodeName;
  const listeners: Listener[] = [];
  const routeConfigs: RouteConfiguration[] = [];
  const nodeListeners = node.spec.listeners ?? [];
  const chains: FilterChain[] = [];
  for (const l of nodeListeners) {
    const { port, protocol } = l.portMapping;
    const statPrefix = nodeListeners.length > 1 ? `ingress.${protocol}.${port}` : 'ingress';
    const cluster = ingressCluster(ctx, name, l);
    const t = l.timeout?.[protocol] as HttpTimeout | undefined;
    const idleMs = durationMs(t?.idle);
    let filter;
    if (protocol === 'tcp') {
      filter = tcpProxy({ statPrefix, cluster, idleMs, logging: node.spec.logging });
    } else {
      const rc = ingressRouteConfigName(port);
      const perRequest = durationMs(t?.perRequest);
      routeConfigs.push({
        name: rc,
        virtual_hosts: [{
          name: `${name}_${port}`,
          domains: ['*'],
          routes: [{
            name: 'ingress',
            match: { prefix: '/' },
            route: { cluster, timeout: envoyDuration(perRequest ?? DEFAULT_PER_REQUEST_TIMEOUT_MS) },
          }],
        }],
        validate_clusters: false,
      });
      filter = httpConnectionManager({
        statPrefix, routeConfigName: rc, logging: node.spec.logging, idleMs, upgrades: protocol === 'http' ? ['websocket'] : [],
      });
    }
    const base: FilterChain = { filter_chain_match: { destination_port: port }, filters: [filter] };
    if (l.tls && l.tls.mode !== 'DISABLED' && usesAcm(l.tls)) {
      ctx.warn(`virtual node ${name}: listener ${port} uses ACM, which exists only in AWS; awsmesh proxies emulate it with the local CA (awsmesh local ca issue --acm-arn)`);
    }
    chains.push(...listenerChains(base, l.tls));
  }
  // No listener, no ingress listener (envoy-metrics.md).
  if (chains.length) listeners.push(listener('ingress', ctx.opts.listenAddress, ctx.opts.ingressPort, chains));

  const services = (node.spec.backends ?? [])
    .map((b) => b.virtualService?.virtualServiceName)
    .filter((s): s is string => Boolean(s))
    .map((s) => ({ name: s, policy: clientPolicyFor(node.spec.backends, node.spec.backendDefaults?.clientPolicy, s) }));
  const egress = buildEgress(ctx, { services, logging: node.spec.logging, where: `virtual node ${name}` });
  listeners.push(egress.listener);
  routeConfigs.push(egress.routeConfig);
  return { listeners, routeConfigs };
}
