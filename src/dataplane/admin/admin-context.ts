// What an admin page sees of its proxy: the proxy itself and the identity Envoy's admin shows.

import type { Proxy } from '../proxy';

export interface AdminContext {
  proxy: Proxy;
  /** Envoy node identity, e.g. mesh/apps/virtualNode/serviceB. */
  nodeId: string;
  cluster: string;
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  /** Extra facts shown by /server_info (ports, pid, backend, …). */
  info?: Record<string, unknown>;
}
