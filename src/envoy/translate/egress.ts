// The egress side every proxy has: listener 15001 and route configuration rds_egress_http_15001.

import type { ClientPolicy, Logging } from '../../mesh/types';
import { passthroughCluster } from './clusters';
import type { TranslationContext } from './context';
import type { FilterChain, Listener, RouteConfiguration, VirtualHost } from './envoy-types';
import { httpConnectionManager, listener } from './listeners';
import { egressRouteConfigName } from './names';
import { clientPolicyFor, serviceVirtualHosts } from './routes';

export interface EgressInput {
  /** Virtual services the proxy may call, with the client policy it applies to each. */
  services: Array<{ name: string; policy: ClientPolicy | undefined }>;
  logging?: Logging;
  where: string;
  /** Extra virtual hosts (a gateway's default_backend), merged before the ALLOW_ALL catch-all. */
  extraHosts?: VirtualHost[];
}

export function buildEgress(ctx: TranslationContext, input: EgressInput): { listener: Listener; routeConfig: RouteConfiguration } {
  const port = ctx.opts.egressPort;
  const hosts: VirtualHost[] = [];
  const seen = new Set<string>();
  for (const s of input.services) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    hosts.push(...serviceVirtualHosts(ctx, s.name, s.policy, input.where));
  }
  hosts.push(...(input.extraHosts ?? []));
  if (ctx.snapshot.mesh.spec?.egressFilter?.type === 'ALLOW_ALL') {
    const route = { name: 'allow_all', match: { prefix: '/' }, route: { cluster: passthroughCluster(ctx), timeout: '0s' } };
    const catchAll = hosts.find((h) => h.domains.includes('*'));
    if (catchAll) catchAll.routes.push(route);
    else hosts.push({ name: 'allow_all', domains: ['*'], routes: [route] });
  }
  const routeConfig: RouteConfiguration = { name: egressRouteConfigName(port), virtual_hosts: hosts, validate_clusters: false };
  const chain: FilterChain = {
    filter_chain_match: { destination_port: port },
    filters: [httpConnectionManager({
      statPrefix: 'egress',
      routeConfigName: routeConfig.name,
      logging: input.logging,
      upgrades: ['websocket', 'CONNECT'],
    })],
  };
  return { listener: listener('egress', ctx.opts.listenAddress, port, [chain]), routeConfig };
}

export { clientPolicyFor };
