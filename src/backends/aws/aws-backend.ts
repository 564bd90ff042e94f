// The aws backend: each operation is one SDK v3 command (`${Operation}Command`) sent to AWS or to
// the configured endpoint. The CLI core paginates and formats; this class makes single calls and
// makes their results and failures look like the local backend's.

import type { Backend, CallContext, Input, Output } from '../backend';
import { NotImplementedError } from '../../base/errors';
import { getService, type ServiceName } from '../../model/services';
import { looksLikeShutdown, withShutdownHint } from './app-mesh-shutdown';
import { createClient, type ClientSettings, type SdkClient } from './clients';
import type { CredentialPlan, QuietLogger } from './credentials';
import { credentialProvider } from './credentials';
import type { ResolvedEndpoint } from './endpoints';
import { isUnparsedSuccess, normaliseError } from './errors';
import { emptyOutput, normaliseOutput } from './output';

export interface AwsBackendSettings {
  region: string;
  profile: string;
  credentials: CredentialPlan;
  endpoint: (service: ServiceName) => ResolvedEndpoint | undefined;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  verifySsl: boolean;
  caBundle?: string;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  debug?: (line: string) => void;
}

interface ServiceClient {
  client: SdkClient;
  commands: Record<string, new (input: unknown) => unknown>;
  endpoint?: ResolvedEndpoint;
}

function describePlan(plan: CredentialPlan): string {
  if (plan.kind === 'static') return plan.source === 'env' ? 'environment variables' : 'keys of the shared profile';
  if (plan.kind === 'chain') return `the SDK's default chain for profile ${plan.profile}`;
  return 'none (unsigned requests)';
}

export class AwsBackend implements Backend {
  readonly kind = 'aws' as const;
  private readonly clients = new Map<string, ServiceClient>();
  private credentials?: unknown;
  private readonly logger: QuietLogger;

  constructor(private readonly settings: AwsBackendSettings) {
    const debug = settings.debug;
    // The SDK's own chatter (credential chain steps, warnings) goes to the --debug log only.
    this.logger = {
      debug: (...a) => debug?.(`sdk: ${a.map(String).join(' ')}`),
      info: () => undefined,
      warn: (...a) => debug?.(`sdk warning: ${a.map(String).join(' ')}`),
      error: (...a) => debug?.(`sdk error: ${a.map(String).join(' ')}`),
    };
  }

  async invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output> {
    const sc = this.client(service, ctx.region || this.settings.region);
    const Command = sc.commands[`${operation}Command`];
    if (!Command || !Object.hasOwn(getService(service).operations, operation)) {
      throw new NotImplementedError(service, operation, 'the aws backend');
    }
    this.settings.debug?.(`Calling ${service} ${operation} on ${sc.endpoint ? `${sc.endpoint.url} (from ${sc.endpoint.source})` : 'the AWS endpoint'}`);
    try {
      // A copy: the SDK fills in idempotency tokens the caller left out, and must not do it in our input.
      const output = await sc.client.send(new Command({ ...input }));
      return normaliseOutput(output);
    } catch (err) {
      if (isUnparsedSuccess(err)) return emptyOutput(service, operation);
      const e = normaliseError(err, { service, operation, maxAttempts: this.settings.maxAttempts });
      if (service === 'appmesh' && !sc.endpoint && looksLikeShutdown(e)) throw withShutdownHint(e);
      throw e;
    }
  }

  private client(service: ServiceName, region: string): ServiceClient {
    const key = `${service}\u0000${region}`;
    let sc = this.clients.get(key);
    if (!sc) {
      const endpoint = this.settings.endpoint(service);
      const s = this.settings;
      if (s.credentials.kind !== 'anonymous' && this.credentials === undefined) {
        this.credentials = credentialProvider(s.credentials, this.logger);
        s.debug?.(`Credentials: ${describePlan(s.credentials)}`);
      }
      const clientSettings: ClientSettings = {
        region,
        endpoint: endpoint?.url,
        credentials: this.credentials,
        anonymous: s.credentials.kind === 'anonymous',
        maxAttempts: s.maxAttempts,
        retryMode: s.retryMode,
        verifySsl: s.verifySsl,
        caBundle: s.caBundle,
        connectTimeoutMs: s.connectTimeoutMs,
        readTimeoutMs: s.readTimeoutMs,
        profile: s.profile,
        logger: this.logger,
        debug: s.debug,
      };
      sc = { ...createClient(service, clientSettings), endpoint };
      this.clients.set(key, sc);
    }
    return sc;
  }

  async close(): Promise<void> {
    for (const sc of this.clients.values()) sc.client.destroy();
    this.clients.clear();
  }
}
