// `local serve --xds-port`: starts the ADS server from src/xds beside the HTTP server, over the
// same store. src/xds is built by another part of the project and loaded only when asked for.

import type { LocalBackend } from '../backends/local/local-backend';
import { GeneralError } from '../core/errors';
import type { Io } from '../core/io';

export interface XdsHandle {
  port: number;
  close(): Promise<void>;
}

/** What this bridge expects src/xds to export. */
interface XdsModule {
  startAdsServer(opts: { host: string; port: number; store: LocalBackend['store']; log?: (line: string) => void }): Promise<{
    port: number;
    close(): Promise<void> | void;
  }>;
}

function loadXds(): XdsModule | undefined {
  try {
    // A computed path keeps this compiling while src/xds does not exist yet.
    const modulePath = ['..', 'xds'].join('/');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath) as Partial<XdsModule>;
    return typeof mod.startAdsServer === 'function' ? (mod as XdsModule) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function startXdsBeside(opts: { host: string; port: number; backend: LocalBackend; io: Io }): Promise<XdsHandle> {
  const xds = loadXds();
  if (!xds) throw new GeneralError('--xds-port: this build of awsmesh has no xDS server (src/xds is missing startAdsServer).');
  const started = await xds.startAdsServer({
    host: opts.host,
    port: opts.port,
    store: opts.backend.store,
    log: (line) => opts.io.stderr.write(`xds: ${line}\n`),
  });
  return { port: started.port, close: async () => void (await started.close()) };
}
