// App Mesh → Envoy v3: the one translation the local proxies run and `awsmesh envoy config` /
// the ADS server export. Input: a MeshSnapshot (Describe* outputs) plus resolved endpoints.
// Output: listeners, route configurations, clusters and ClusterLoadAssignments in proto3-JSON
// form with Envoy's snake_case field names, named and defaulted the way App Mesh did.
//
//   const r = translateVirtualNode(snapshot, 'serviceA', { endpoints: { serviceB: [{host, port}] } });
//   r.listeners / r.routeConfigs / r.clusters / r.endpoints / r.warnings
//
// The functions are pure and deterministic (same input → same JSON, resources sorted by name),
// so callers can diff results to decide whether anything changed.

import { findVirtualGateway, findVirtualNode } from '../../mesh/lookup';
import type { MeshSnapshot } from '../../mesh/types';
import { type ResolvedOptions, type TranslateOptions, TranslationContext } from './context';
import { DEFAULT_EGRESS_PORT, DEFAULT_INGRESS_PORT } from './defaults';
import type { EnvoyResources, Listener, RouteConfiguration } from './envoy-types';
import { translateGatewayResources } from './gateway';
import { nodeId } from './names';
import { translationInputs, type ProxyRef } from './inputs';
import { translateNodeResources } from './node';

export type { ResolvedEndpoint, TranslateOptions } from './context';
export { translationInputs, type ProxyRef, type TranslationInputs } from './inputs';
export type * from './envoy-types';
export * as names from './names';
export * as defaults from './defaults';
export { envoyDuration, parseEnvoyDuration } from './durations';

export interface TranslationResult extends EnvoyResources {
  /** Envoy node identity: id `mesh/<mesh>/virtualNode/<name>`, cluster the same. */
  node: { id: string; cluster: string };
  /** Problems that App Mesh would have turned into silent black holes (missing targets, …). */
  warnings: string[];
}

export class TranslationError extends Error {
  constructor(
    readonly code: 'NotFoundException',
    message: string,
  ) {
    super(message);
    this.name = 'TranslationError';
  }
}

function resolveOptions(o: TranslateOptions): ResolvedOptions {
  return {
    listenAddress: o.listenAddress ?? '0.0.0.0',
    ingressPort: o.ingressPort ?? DEFAULT_INGRESS_PORT,
    egressPort: o.egressPort ?? DEFAULT_EGRESS_PORT,
    appHost: o.appHost ?? '127.0.0.1',
    defaultRetryPolicy: o.defaultRetryPolicy ?? true,
    appPorts: o.appPorts,
    gatewayPorts: o.gatewayPorts,
    endpoints: o.endpoints,
  };
}

function finish(
  ctx: TranslationContext, id: string, parts: { listeners: Listener[]; routeConfigs: RouteConfiguration[] },
): TranslationResult {
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    node: { id, cluster: id },
    listeners: parts.listeners,
    routeConfigs: parts.routeConfigs,
    clusters: [...ctx.clusters.values()].sort(byName),
    endpoints: [...ctx.endpoints.values()].sort((a, b) => (a.cluster_name < b.cluster_name ? -1 : a.cluster_name > b.cluster_name ? 1 : 0)),
    warnings: ctx.warnings,
  };
}

/** Everything the Envoy beside virtual node `nodeName` runs. Throws TranslationError if it does not exist. */
export function translateVirtualNode(snapshot: MeshSnapshot, nodeName: string, opts: TranslateOptions = {}): TranslationResult {
  const node = findVirtualNode(snapshot, nodeName);
  if (!node) {
    throw new TranslationError('NotFoundException', `VirtualNode with name ${nodeName} in mesh ${snapshot.mesh.meshName} not found.`);
  }
  const ctx = new TranslationContext(snapshot, resolveOptions(opts));
  return finish(ctx, nodeId(snapshot.mesh.meshName, 'virtualNode', nodeName), translateNodeResources(ctx, node));
}

/** Everything the Envoy of virtual gateway `gatewayName` runs. */
export function translateVirtualGateway(
  snapshot: MeshSnapshot, gatewayName: string, opts: TranslateOptions = {},
): TranslationResult {
  const gateway = findVirtualGateway(snapshot, gatewayName);
  if (!gateway) {
    throw new TranslationError(
      'NotFoundException', `VirtualGateway with name ${gatewayName} in mesh ${snapshot.mesh.meshName} not found.`,
    );
  }
  const ctx = new TranslationContext(snapshot, resolveOptions(opts));
  return finish(ctx, nodeId(snapshot.mesh.meshName, 'virtualGateway', gatewayName), translateGatewayResources(ctx, gateway));
}

/**
 * The virtual nodes whose endpoints a proxy needs (targets of its backends' routes), so callers
 * resolve only those before translating.
 */
export function endpointNodes(snapshot: MeshSnapshot, proxy: ProxyRef): string[] {
  return translationInputs(snapshot, proxy)?.endpointNodes ?? [];
}
