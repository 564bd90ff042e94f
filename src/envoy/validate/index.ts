// Validation and encoding of Envoy v3 configuration against Envoy's own API protos.
//   validateEnvoyJson(json)             → issues for a bootstrap (or any message type)
//   encodeEnvoyResource(typeName, json) → protobuf bytes, for the xDS server; throws on errors

import { envoyMessageType, lookupEnvoyType } from './envoy-protos';
import { decodeProtoJson, type Issue } from './proto-json';
import { bootstrapSemantics, resourceSemantics } from './semantics';

export type { Issue } from './proto-json';
export { typeUrl, TYPE_URL_PREFIX } from './envoy-protos';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** xDS resource types by their short names. */
export const RESOURCE_TYPES = {
  listener: 'envoy.config.listener.v3.Listener',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

/**
 * Issues found decoding `json` as `typeName` strictly (errors and deprecation warnings), then,
 * if it decoded cleanly, the cross-field checks Envoy makes when loading it.
 */
export function validateEnvoyJson(json: unknown, typeName: string = BOOTSTRAP_TYPE): Issue[] {
  const issues = decodeProtoJson(envoyMessageType(typeName), json, { resolve: lookupEnvoyType }).issues;
  if (errorsOnly(issues).length) return issues;
  const doc = json as Record<string, unknown>;
  return [...issues, ...(typeName === BOOTSTRAP_TYPE ? bootstrapSemantics(doc) : resourceSemantics(typeName, doc))];
}

export function errorsOnly(issues: Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error');
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.severity}: ${i.path || '(top)'}: ${i.message}`).join('\n');
}

export class EnvoyConfigError extends Error {
  constructor(
    readonly typeName: string,
    readonly issues: Issue[],
  ) {
    super(`invalid ${typeName}:\n${formatIssues(issues)}`);
    this.name = 'EnvoyConfigError';
  }
}

/** Encodes a proto3-JSON Envoy message to protobuf bytes after validating it strictly. */
export function encodeEnvoyResource(typeName: string, json: unknown): Uint8Array {
  const type = envoyMessageType(typeName);
  const { value, issues } = decodeProtoJson(type, json, { resolve: lookupEnvoyType, encodeAny: true });
  let errors = errorsOnly(issues);
  if (!errors.length) errors = resourceSemantics(typeName, json as Record<string, unknown>);
  if (errors.length) throw new EnvoyConfigError(typeName, errors);
  return type.encode(type.fromObject(value)).finish();
}

/** Decodes protobuf bytes back to proto3 JSON (used by tests and `envoy status` output). */
export function decodeEnvoyResource(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = envoyMessageType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: false }) as Record<string, unknown>;
}
