// Where the aws backend gets its credentials, following the AWS CLI rather than the SDK where
// the two differ: env keys win over the profile even when AWS_PROFILE names it, but an explicit
// `--profile` ignores env keys. Plain keys are used directly (no SDK provider code on the common
// path); everything else (assume-role, SSO, credential_process, web identity, ECS, IMDS) goes
// through the SDK's default Node chain pointed at the same files and profile.

import { configFilePath, credentialsFilePath, type ProfileSettings } from '../../base/aws-config';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialPlan =
  | { kind: 'anonymous' }
  | { kind: 'static'; credentials: StaticCredentials; source: 'env' | 'profile' }
  | { kind: 'chain'; profile: string; configFile: string; credentialsFile: string };

export interface CredentialSettings {
  env: NodeJS.ProcessEnv;
  profile: ProfileSettings;
  /** --profile as given on the command line. */
  profileFlag?: string;
  signRequest: boolean;
}

/** Profile keys that mean "the SDK must work these credentials out" (they beat plain keys in botocore too). */
const DERIVED_CREDENTIAL_KEYS = ['role_arn', 'sso_start_url', 'sso_session', 'sso_account_id', 'web_identity_token_file'];

export function planCredentials(s: CredentialSettings): CredentialPlan {
  if (!s.signRequest) return { kind: 'anonymous' };
  const env = s.env;
  if (!s.profileFlag && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      kind: 'static',
      source: 'env',
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined,
      },
    };
  }
  const v = s.profile.values;
  const derived = DERIVED_CREDENTIAL_KEYS.some((k) => v[k]) || Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  if (!derived && v.aws_access_key_id && v.aws_secret_access_key) {
    return {
      kind: 'static',
      source: 'profile',
      credentials: {
        accessKeyId: v.aws_access_key_id,
        secretAccessKey: v.aws_secret_access_key,
        sessionToken: v.aws_session_token || undefined,
      },
    };
  }
  return {
    kind: 'chain',
    profile: s.profile.name,
    configFile: configFilePath(env),
    credentialsFile: credentialsFilePath(env),
  };
}

export interface QuietLogger {
  debug(...a: unknown[]): void;
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
}

/** Identity provider for the SDK: static keys as a value, the default chain as a function. */
export function credentialProvider(plan: CredentialPlan, logger: QuietLogger): unknown {
  if (plan.kind === 'static') return plan.credentials;
  if (plan.kind !== 'chain') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultProvider } = require('@aws-sdk/credential-provider-node') as {
    defaultProvider(init: Record<string, unknown>): unknown;
  };
  return defaultProvider({
    profile: plan.profile,
    filepath: plan.credentialsFile,
    configFilepath: plan.configFile,
    // IMDS: one attempt with a short timeout, as the AWS CLI (1 s, no retry).
    timeout: 1000,
    maxRetries: 0,
    logger,
  });
}

/** The SDK's "nothing found" failure, which the AWS CLI reports as missing credentials (253). */
export function isNoCredentialsError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return e?.name === 'CredentialsProviderError' && /Could not load credentials from any providers/.test(e.message ?? '');
}

export const NO_CREDENTIALS_MESSAGE =
  'Unable to locate credentials. You can configure credentials by running "aws configure".';
