// The xDS control plane: an ADS server that serves each connected Envoy (or proxyless gRPC
// client) the App Mesh configuration of the virtual node or gateway it identifies as, and the TLS
// secrets (SDS over ADS) that configuration references, from the local CA.
//
//   const ads = await startAdsServer({ backend, region: 'us-west-2', port: 15010, log: console.error });
//   …                                  // mesh changes are pushed as they are committed
//   ads.status();                      // per proxy: versions sent/ACKed, NACKs
//   await ads.close();

import type { Backend } from '../backends/backend';
import { DEFAULT_LOCAL_REGION, localSettings } from '../backends/local/settings';
import { AdsServer } from './ads-server';
import type { AdsServerOptions, XdsConfigSource } from './ads-types';
import { defaultEndpointResolver } from './endpoints';
import { MeshConfigSource, type EndpointResolver, type MeshSourceOptions } from './mesh-source';
import { caDir, CaStore } from '../tls/ca/store';
import { SecretResolver } from './secrets';
import { adsStatus, type AdsStatus } from './status';

export type { XdsConfigSource, XdsEvent, XdsRefusal } from './ads-types';
export { StreamRefused, type StreamGuard, type AdmittedStream, type StreamLimits, type Debounce } from './stream-guard';
export type { AdsStatus, ClientStatus, TypeStatus } from './status';
export type { EndpointResolver } from './mesh-source';
export { apiEndpointResolver, defaultEndpointResolver } from './endpoints';
export { parseNodeId, formatNodeId, type NodeIdentity } from './node-id';
export { TYPE_URLS, type XdsResources } from './resource-types';

export interface StartAdsOptions {
  /** Where App Mesh resources are read: the local backend or an aws backend (--endpoint-url). */
  backend?: Backend;
  /** Serve a custom source instead of the mesh (tests, embedding). */
  source?: XdsConfigSource;
  /** Region for node ids without one (default AWSMESH_REGION or the local backend's us-west-2). */
  region?: string;
  host?: string;
  port?: number;
  log?: (line: string) => void;
  endpoints?: EndpointResolver;
  translate?: MeshSourceOptions['translate'];
  pollIntervalMs?: number;
  observe?: AdsServerOptions['observe'];
  /** The local CA secrets come from (default: $AWSMESH_HOME/ca of the local backend, or of the environment). */
  caDir?: string;
  /** How often the CA directory is polled for re-issued certificates (default 250 ms, as the proxies do). */
  secretPollMs?: number;
  /** `awsmesh serve`: authentication/authorization, limits, debouncing, the TLS listener, refusal events. */
  guard?: AdsServerOptions['guard'];
  limits?: AdsServerOptions['limits'];
  debounce?: AdsServerOptions['debounce'];
  attach?: AdsServerOptions['attach'];
  grpcOptions?: AdsServerOptions['grpcOptions'];
  onRefused?: AdsServerOptions['onRefused'];
  /** Who may connect (default: this user's processes only; see base/listener-guard). */
  peers?: AdsServerOptions['peers'];
}

export interface AdsServerHandle {
  port: number;
  /** host:port clients dial. */
  address: string;
  status(): AdsStatus;
  /** Rebuild and push now (changes are otherwise picked up by the watch/poll). */
  refresh(): Promise<void>;
  /** Resolves after the next rebuild has been pushed to every connected client. */
  nextPush(): Promise<void>;
  close(): Promise<void>;
}

/** The CA of the local control plane's AWSMESH_HOME, else of this process's environment. */
function defaultCaDir(backend: Backend | undefined): string {
  return caDir(backend?.local?.home ?? localSettings(process.env).home);
}

export async function startAdsServer(opts: StartAdsOptions): Promise<AdsServerHandle> {
  const region = opts.region ?? (process.env.AWSMESH_REGION || DEFAULT_LOCAL_REGION);
  let source = opts.source;
  if (!source) {
    const backend = opts.backend;
    if (!backend) throw new Error('startAdsServer needs a backend or a source');
    source = new MeshConfigSource({
      backend,
      region,
      endpoints: opts.endpoints ?? defaultEndpointResolver(backend),
      translate: opts.translate,
      pollIntervalMs: opts.pollIntervalMs,
    });
  }
  const secrets = new SecretResolver(new CaStore(opts.caDir ?? defaultCaDir(opts.backend)), (line) => opts.log?.(`xDS: ${line}`), opts.secretPollMs);
  const server = new AdsServer({
    source, host: opts.host, port: opts.port, log: opts.log, region, observe: opts.observe, secrets,
    guard: opts.guard, limits: opts.limits, debounce: opts.debounce, attach: opts.attach, grpcOptions: opts.grpcOptions, onRefused: opts.onRefused,
    peers: opts.peers,
  });
  try {
    await server.start();
  } catch (e) {
    secrets.close();
    throw e;
  }
  const host = opts.host ?? '127.0.0.1';
  return {
    port: server.port,
    address: `${host.includes(':') ? `[${host}]` : host}:${server.port}`,
    status: () => adsStatus(server),
    refresh: () => server.refresh(),
    nextPush: () => server.nextPush(),
    close: () => server.close(),
  };
}
