// Which App Mesh resource a proxy is. Envoy reports APPMESH_RESOURCE_ARN as its node id, either
// as the bare resource path (`mesh/apps/virtualNode/serviceB`, what App Mesh's Envoy image sends)
// or as the full ARN (`arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/serviceB`).

import { nodeId } from '../envoy/translate/names';
import { fromStruct } from '../envoy/validate/struct';

export type ProxyKind = 'virtualNode' | 'virtualGateway';

export interface NodeIdentity {
  mesh: string;
  kind: ProxyKind;
  name: string;
  /** From an ARN node id; otherwise the server's default applies. */
  region?: string;
  account?: string;
}

const RESOURCE = /^mesh\/([^/]+)\/(virtualNode|virtualGateway)\/([^/]+)$/;
const ARN = /^arn:aws[\w-]*:appmesh:([\w-]+):(\d{12}):(.+)$/;

/** undefined when the id names no virtual node or gateway. */
export function parseNodeId(id: string): NodeIdentity | undefined {
  let resource = id.trim();
  let region: string | undefined;
  let account: string | undefined;
  const arn = ARN.exec(resource);
  if (arn) [, region, account, resource] = arn;
  const m = RESOURCE.exec(resource);
  if (!m) return undefined;
  const identity: NodeIdentity = { mesh: m[1], kind: m[2] as ProxyKind, name: m[3] };
  if (region) identity.region = region;
  if (account) identity.account = account;
  return identity;
}

/** The canonical (App Mesh image) form, as the translator names nodes. */
export function formatNodeId(n: Pick<NodeIdentity, 'mesh' | 'kind' | 'name'>): string {
  return nodeId(n.mesh, n.kind, n.name);
}

/**
 * Where a proxy fetches App Mesh `sds.secretName` secrets, as its bootstrap says in the node
 * metadata `{"awsmesh": {"sds": "ads" | "socket"}}`: over ADS from this server (the default of
 * `awsmesh envoy bootstrap`), or from the SDS agent on APPMESH_SDS_SOCKET_PATH (App Mesh's way,
 * and what a proxy without that metadata gets).
 */
export type SdsMode = 'ads' | 'socket';

export function sdsMetadata(mode: SdsMode): { awsmesh: { sds: SdsMode } } {
  return { awsmesh: { sds: mode } };
}

/** The SDS mode in node metadata (plain JSON, or Struct in protobufjs object form as requests decode). */
export function sdsModeOf(metadata: Record<string, unknown> | undefined): SdsMode {
  if (!metadata) return 'socket';
  const plain = metadata.fields && typeof metadata.fields === 'object' ? fromStruct(metadata) : metadata;
  const awsmesh = plain.awsmesh as Record<string, unknown> | undefined;
  return awsmesh?.sds === 'ads' ? 'ads' : 'socket';
}
