// The console's JSON API: what the server sends the page. Types only (the browser bundle imports
// them too), so nothing here may import Node code.

export type NodeKind = 'virtualService' | 'virtualRouter' | 'route' | 'virtualNode' | 'virtualGateway' | 'gatewayRoute';
export type EdgeKind = 'provider' | 'route' | 'target' | 'backend' | 'gatewayRoute' | 'gatewayTarget';

/** ok: serving well; warn: some 5xx; bad: many 5xx; down: no proxy runs for it; idle: no traffic measured. */
export type Health = 'ok' | 'warn' | 'bad' | 'down' | 'idle';

export interface ConsoleInfo {
  version: string;
  /** What the API calls go to: the local store, or the --endpoint-url. */
  backend: string;
  region: string;
  meshes: string[];
  /** The mesh to show first (running proxies, else the first). */
  defaultMesh?: string;
  /** Where xDS sync state comes from, if anywhere. */
  xds?: string;
  intervalSeconds: number;
  /** The host signs users in (`awsmesh serve`): the page offers to sign out (POST api/sign-out). */
  signOut?: boolean;
  /** Who is signed in, when someone is. */
  user?: string;
}

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  name: string;
  details: string[];
  /** Top-left corner and size from the layout. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Resource key for the Resources page (`VirtualNode apps/serviceB`). */
  resource?: string;
  /** Error and warning findings of `awsmesh validate` on this resource. */
  findings: { errors: number; warnings: number };
}

export interface TopologyEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  /** Configured share of the route in percent (route targets). */
  weight?: number;
  /** Polyline from the layout, source to target. */
  points: Array<[number, number]>;
  /** Centre of the room the layout kept for the label (else the label goes halfway along the line). */
  label?: [number, number];
}

export interface Topology {
  mesh: string;
  /** Changes whenever a resource of the mesh changes. */
  revision: string;
  width: number;
  height: number;
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** How long ELK took for this structure's layout on the server (ms; 0 when it was read from the disk cache). */
  layoutMs: number;
}

export interface Rates {
  requests: number;
  rps: number;
  /** 0..1, null without requests. */
  successRate: number | null;
  p99Ms: number | null;
  /** Share of the route's traffic this target got (route targets). */
  share?: number;
}

export interface TrafficUpdate {
  mesh: string;
  /** Whether any proxy of the mesh runs (otherwise there are no rates). */
  live: boolean;
  windowSeconds: number;
  at: string;
  nodes: Record<string, { health: Health; proxies?: number; rates?: Rates }>;
  edges: Record<string, Rates>;
}

export interface FindingView {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  fix?: string;
  path?: string;
}

export interface ResourceSummary {
  /** `VirtualNode apps/serviceB` (unique within the console). */
  key: string;
  kind: string;
  name: string;
  container?: string;
  version: number;
  lastUpdatedAt?: string;
  arn?: string;
  findings: FindingView[];
}

export interface ResourceList {
  mesh: string;
  resources: ResourceSummary[];
}

export interface ResourceDetail extends ResourceSummary {
  json: string;
  yaml: string;
  tags: Array<{ key: string; value: string }>;
}

export interface RouteTarget {
  virtualNode: string;
  weight: number;
  port?: number;
}

export interface RouteView {
  mesh: string;
  router: string;
  route: string;
  /** httpRoute, http2Route, grpcRoute or tcpRoute. */
  protocol: string;
  version: number;
  targets: RouteTarget[];
  /** Every route of the mesh, for the route picker. */
  routes: Array<{ router: string; route: string }>;
}

export interface WeightChange {
  mesh: string;
  router: string;
  route: string;
  /** The route version the weights were edited from. */
  version: number;
  /** One weight per target, in the order of RouteView.targets; numbers as typed. */
  weights: unknown[];
}

export interface WeightPreview {
  /** The diff as `awsmesh apply --dry-run` prints it ('' with a problem). */
  diff: string;
  findings: FindingView[];
  /** Why this change cannot be applied as it is (bad weights, or the route moved on). */
  problem?: ProblemBody;
}

export interface WeightApplied extends WeightPreview {
  version: number;
  /** Set when another write landed between the version check and this one. */
  warning?: string;
}

export interface ProblemBody {
  /** conflict: the route changed meanwhile; invalid: bad input; otherwise a service error's code. */
  code: string;
  message: string;
  currentVersion?: number;
}

export interface ProxyRow {
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  pid: number;
  admin: number;
  source: string;
  running: boolean;
  /** LIVE / PRE_INITIALIZING from the admin page; 'unreachable' when it did not answer. */
  state: string;
  configVersion?: number;
  updates?: { success: number; rejected: number; lastError: string };
  error?: string;
}

export interface XdsTypeView {
  type: string;
  state: string;
  sentVersion: string;
  ackedVersion: string;
  nacks: number;
  lastNack?: { version: string; message: string; at: string };
}

export interface XdsClientView {
  nodeId: string;
  client: string;
  peer: string;
  connectedAt: string;
  /** SYNCED when every type is, NACKED when any is, else the least advanced state. */
  state: string;
  types: XdsTypeView[];
  invalid: string[];
}

export interface ProxiesView {
  mesh?: string;
  sidecars: ProxyRow[];
  /** Envoys connected to the xDS server; absent without one. */
  xds?: { address: string; clients: XdsClientView[]; error?: string };
  /** Proxies left out because the signed-in user's policies do not allow reading their resource. */
  hidden?: number;
}
