// What the console reads and changes, independent of who hosts it: App Mesh calls through the
// dispatcher (the same path as the CLI's, for the local store or any --endpoint-url), the
// AWSMESH_HOME whose run records name the running proxies, and optionally an xDS server's status.
// `awsmesh console` builds one from the CLI's App; a server that mounts the console builds its own.

import type { Backend } from '../backends/backend';
import type { App } from '../core/app';
import { awsmeshHome } from '../observability/mesh-source';
import { dispatching } from '../workflows/live';
import type { ProxyStatus } from '../xds/status-client';

export interface ConsoleSource {
  /** One App Mesh operation through the dispatcher. */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The same calls as a Backend (for readers that take one, like loadMeshSnapshot). */
  backend: Backend;
  region: string;
  /** Shown in the header: the local store, or the endpoint. */
  label: string;
  /** Where `local up` and `awsmesh proxy` record their proxies. */
  home: string;
  /** The connected Envoys of an xDS server (CSDS), when one is known. */
  xds?: { address: string; status(): Promise<ProxyStatus[]> };
  version: string;
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

export async function sourceFromApp(app: App, opts: { xdsAddress?: string; version: string }): Promise<ConsoleSource> {
  const region = app.region();
  const backend = await app.backend();
  const home = awsmeshHome(app);
  const endpoint = app.globals.endpointUrl ?? app.env.AWS_ENDPOINT_URL_APP_MESH ?? app.env.AWS_ENDPOINT_URL;
  const label = app.backendKind() === 'local' ? `local store (${home})` : endpoint ?? `AWS (${region})`;
  const address = opts.xdsAddress ?? (endpoint ? await xdsOfEndpoint(endpoint) : undefined);
  const xds = address ? {
    address,
    status: async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { fetchXdsStatus } = require('../xds/status-client') as typeof import('../xds/status-client');
      return fetchXdsStatus(address, 3000);
    },
  } : undefined;
  const { call, backend: viaDispatcher } = dispatching(backend, region);
  return { call, backend: viaDispatcher, region, label, home, xds, version: opts.version };
}
