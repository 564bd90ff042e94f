// SDK v3 clients, one per service, created on first use: each client package is required only
// when a command talks to that service (start-up time is a product feature).

import * as fs from 'fs';
import { GeneralError } from '../../base/errors';
import type { ServiceName } from '../../model/services';
import { TracingHandler, type InnerHandler } from './transport';

/** The client package and class of each service; operation X is `${X}Command` in the same package. */
const SDK_CLIENTS: Record<ServiceName, { load: () => SdkModule; client: string }> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  appmesh: { load: () => require('@aws-sdk/client-app-mesh'), client: 'AppMeshClient' },
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  iam: { load: () => require('@aws-sdk/client-iam'), client: 'IAMClient' },
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  servicediscovery: { load: () => require('@aws-sdk/client-servicediscovery'), client: 'ServiceDiscoveryClient' },
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sts: { load: () => require('@aws-sdk/client-sts'), client: 'STSClient' },
};

export interface SdkClient {
  send(command: unknown): Promise<Record<string, unknown>>;
  destroy(): void;
}

type SdkModule = Record<string, new (arg: unknown) => unknown>;

export interface ClientSettings {
  region: string;
  endpoint?: string;
  /** Static keys, a provider function, or undefined for unsigned requests. */
  credentials?: unknown;
  anonymous: boolean;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  verifySsl: boolean;
  caBundle?: string;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  profile: string;
  logger: unknown;
  debug?: (line: string) => void;
}

/** An auth scheme that leaves requests unsigned (--no-sign-request). */
const NO_AUTH_SCHEME = 'smithy.api#noAuth';
const noAuth = {
  httpAuthSchemeProvider: () => [{ schemeId: NO_AUTH_SCHEME }],
  httpAuthSchemes: [
    { schemeId: NO_AUTH_SCHEME, identityProvider: () => async () => ({}), signer: { sign: async (req: unknown) => req } },
  ],
};

function readCaBundle(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new GeneralError(`Unable to read the CA bundle ${file}: ${(e as Error).message}`);
  }
}

function requestHandler(s: ClientSettings): TracingHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeHttpHandler } = require('@smithy/node-http-handler') as {
    NodeHttpHandler: new (options: Record<string, unknown>) => InnerHandler;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('https') as typeof import('https');
  const tls: Record<string, unknown> = {};
  if (!s.verifySsl) tls.rejectUnauthorized = false;
  if (s.caBundle) tls.ca = readCaBundle(s.caBundle);
  const inner = new NodeHttpHandler({
    connectionTimeout: s.connectTimeoutMs,
    // botocore's read timeout is a socket inactivity timeout, which is the SDK's socketTimeout.
    socketTimeout: s.readTimeoutMs,
    ...(Object.keys(tls).length ? { httpsAgent: new https.Agent({ keepAlive: true, ...tls }) } : {}),
  });
  return new TracingHandler(inner, s.debug);
}

export function createClient(service: ServiceName, s: ClientSettings): { client: SdkClient; commands: SdkModule } {
  // The SDK warns on every Node < 22 about its future releases; irrelevant to awsmesh's users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const spec = SDK_CLIENTS[service];
  const mod = spec.load();
  const client = new mod[spec.client]({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.anonymous ? noAuth : { credentials: s.credentials }),
    maxAttempts: s.maxAttempts,
    retryMode: s.retryMode,
    profile: s.profile,
    logger: s.logger,
    requestHandler: requestHandler(s),
    // Cloud Map's DiscoverInstances goes to `data-<host>`; a custom endpoint must be reached as given.
    disableHostPrefix: Boolean(s.endpoint),
  }) as SdkClient;
  return { client, commands: mod };
}
