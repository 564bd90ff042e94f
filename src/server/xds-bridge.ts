// `local serve --xds-port`: starts the ADS server (src/xds) beside the HTTP server, over the same
// local backend, so Envoys get pushed what AWS CLI/SDK calls change. Loaded only when asked for.

import type { Backend } from '../backends/backend';
import type { Io } from '../base/io';
import type { ListenerGuard } from '../base/listener-guard';
import type { AdsServerHandle } from '../xds';

export interface XdsBesideOptions {
  host: string;
  port: number;
  /** The local backend: its control plane is watched, so commits are pushed at once. */
  backend: Backend;
  /** Region for Envoy node ids that do not name one. */
  region: string;
  io: Io;
  /** Who may open streams (default: this user's processes). */
  peers?: ListenerGuard;
}

export async function startXdsBeside(opts: XdsBesideOptions): Promise<AdsServerHandle> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startAdsServer } = require('../xds') as typeof import('../xds');
  return startAdsServer({
    backend: opts.backend,
    region: opts.region,
    host: opts.host,
    port: opts.port,
    peers: opts.peers,
    // The ADS server's lines already start with 'xDS: '.
    log: (line) => opts.io.stderr.write(`${line}\n`),
  });
}
