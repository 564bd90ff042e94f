// What the console reads and changes, independent of who hosts it: App Mesh calls through the
// dispatcher (the same path as the CLI's, for the local store or any --endpoint-url), the
// AWSMESH_HOME whose run records name the running proxies, and optionally an xDS server's status.
// `awsmesh console` builds one from the CLI's App; a server that mounts the console builds its own.

import type { App } from '../core/app';
import type { Dispatcher } from '../core/dispatcher';
import { awsmeshHome } from '../observability/mesh-source';
import type { ProxyStatus } from '../xds/status-client';

export interface ConsoleSource {
  /** Every App Mesh call goes through here. */
  api: Dispatcher;
  /** Shown in the header: the local store, or the endpoint. */
  label: string;
  /** Where `local up` and `awsmesh proxy` record their proxies. */
  home: string;
  /** The connected Envoys of an xDS server (CSDS), when one is known. */
  xds?: { address: string; status(): Promise<ProxyStatus[]> };
  version: string;
  /**
   * Which proxies (virtual nodes' and gateways') the viewer may see, state and sync status; absent:
   * everyone who can open the console sees all. `awsmesh serve` asks the signed-in user's policies.
   */
  proxyFilter?(): Promise<(proxy: ProxyResource) => boolean>;
}

export interface ProxyResource {
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
}

/** The xDS port a `local serve --xds-port` behind the endpoint announces in its health document. */
async function xdsOfEndpoint(endpoint: string): Promise<string | undefined> {
  try {
    const url = new URL('/_awsmesh/health', endpoint);
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const port = ((await res.json()) as { xds?: { port?: number } }).xds?.port;
    return Number.isInteger(port) ? `${url.hostname.replace(/^\[|\]$/g, '')}:${port}` : undefined;
  } catch {
    return undefined;
  }
}

/** An xDS server's status over CSDS (what `awsmesh envoy status` reads). */
export function csdsStatus(address: string): ConsoleSource['xds'] {
  return {
    address,
    status: async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { fetchXdsStatus } = require('../xds/status-client') as typeof import('../xds/status-client');
      return fetchXdsStatus(address, 3000);
    },
  };
}

export async function sourceFromApp(app: App, opts: { xdsAddress?: string; version: string }): Promise<ConsoleSource> {
  const api = await app.dispatcher();
  const endpoint = app.globals.endpointUrl ?? app.env.AWS_ENDPOINT_URL_APP_MESH ?? app.env.AWS_ENDPOINT_URL;
  const label = api.local ? `local store (${api.local.location})` : endpoint ?? `AWS (${api.region})`;
  const address = opts.xdsAddress ?? (endpoint && !api.local ? await xdsOfEndpoint(endpoint) : undefined);
  return { api, label, home: api.local?.home ?? awsmeshHome(app), xds: address ? csdsStatus(address) : undefined, version: opts.version };
}
