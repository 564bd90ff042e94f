// The aws backend's entry point: turns the CLI's resolved global options plus the AWS
// configuration conventions (env, ~/.aws/config and credentials) into backend settings.
// Nothing here loads the SDK; clients are created on the first call to each service.

import type { Backend } from '../backend';
import type { ProfileSettings } from '../../base/aws-config';
import { UsageError } from '../../base/errors';
import type { ServiceName } from '../../model/services';
import { AwsBackend, type AwsBackendSettings } from './aws-backend';
import { planCredentials } from './credentials';
import { checkEndpointUrl, resolveEndpoint, type ResolvedEndpoint } from './endpoints';

export interface AwsBackendOptions {
  env: NodeJS.ProcessEnv;
  region: string;
  profile: ProfileSettings;
  /** --profile as given (an explicit profile ignores env credentials, as in the AWS CLI). */
  profileFlag?: string;
  endpointUrl?: string;
  verifySsl: boolean;
  signRequest: boolean;
  readTimeoutSeconds?: number;
  connectTimeoutSeconds?: number;
  /** --ca-bundle; AWS_CA_BUNDLE and the profile's ca_bundle apply when it is absent. */
  caBundle?: string;
  debug?: (line: string) => void;
}

/** The AWS CLI's default for both --cli-read-timeout and --cli-connect-timeout. */
const DEFAULT_TIMEOUT_SECONDS = 60;

/** Seconds to milliseconds; 0 means "no timeout", as in the AWS CLI. */
function timeoutMs(seconds: number | undefined, flag: string): number | undefined {
  const s = seconds ?? DEFAULT_TIMEOUT_SECONDS;
  // The CLI hands over Number(text), so a non-number arrives as NaN and its text is gone.
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`argument ${flag}: expected a number of seconds (0 for no limit)`);
  return s === 0 ? undefined : Math.round(s * 1000);
}

/** max_attempts / retry_mode as botocore reads them: env > profile > default (standard, 3 attempts). */
function retrySettings(env: NodeJS.ProcessEnv, profile: ProfileSettings): Pick<AwsBackendSettings, 'maxAttempts' | 'retryMode'> {
  const mode = (env.AWS_RETRY_MODE || profile.values.retry_mode || 'standard').toLowerCase();
  const configured = env.AWS_MAX_ATTEMPTS || profile.values.max_attempts;
  // botocore's legacy mode makes up to 5 attempts; the SDK has no legacy mode, so it runs as standard.
  const fallback = mode === 'legacy' ? 5 : 3;
  const parsed = configured === undefined ? fallback : Number(configured);
  const maxAttempts = Number.isInteger(parsed) && parsed >= 1 ? parsed : fallback;
  return { maxAttempts, retryMode: mode === 'adaptive' ? 'adaptive' : 'standard' };
}

export function createAwsBackend(opts: AwsBackendOptions): Backend {
  if (opts.endpointUrl !== undefined) checkEndpointUrl(opts.endpointUrl);
  const endpoints = new Map<ServiceName, ResolvedEndpoint | undefined>();
  return new AwsBackend({
    region: opts.region,
    profile: opts.profile.name,
    credentials: planCredentials(opts),
    endpoint: (service) => {
      if (!endpoints.has(service)) {
        endpoints.set(service, resolveEndpoint(service, { endpointUrl: opts.endpointUrl, env: opts.env, profile: opts.profile }));
      }
      return endpoints.get(service);
    },
    ...retrySettings(opts.env, opts.profile),
    verifySsl: opts.verifySsl,
    caBundle: opts.caBundle || opts.env.AWS_CA_BUNDLE || opts.profile.values.ca_bundle || undefined,
    connectTimeoutMs: timeoutMs(opts.connectTimeoutSeconds, '--cli-connect-timeout'),
    readTimeoutMs: timeoutMs(opts.readTimeoutSeconds, '--cli-read-timeout'),
    debug: opts.debug,
  });
}
