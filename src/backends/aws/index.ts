// The aws backend (SDK v3 clients). Placeholder entry point until it is implemented; the
// interface below is what the CLI passes in.
import type { Backend } from '../backend';
import type { ProfileSettings } from '../../core/aws-config';
import { ConfigError } from '../../core/errors';

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
  debug?: (line: string) => void;
}

export function createAwsBackend(_opts: AwsBackendOptions): Backend {
  throw new ConfigError('The aws backend is not available yet in this build.');
}
