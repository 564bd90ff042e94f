import * as os from 'os';
import * as path from 'path';
import type { LocalSettings } from './provider';

/** The account the AWS documentation uses in its examples; the walkthrough's ARNs name it. */
export const DEFAULT_ACCOUNT = '111122223333';
/** The walkthrough's policy names us-west-2, so the local backend defaults to it. */
export const DEFAULT_LOCAL_REGION = 'us-west-2';

export function localSettings(env: NodeJS.ProcessEnv): LocalSettings {
  const home = env.AWSMESH_HOME || path.join(env.HOME || os.homedir(), '.awsmesh');
  const settings: LocalSettings = { home: path.resolve(home), account: env.AWSMESH_ACCOUNT_ID || DEFAULT_ACCOUNT, env };
  const roleQuota = Number(env.AWSMESH_IAM_ROLE_QUOTA);
  if (Number.isInteger(roleQuota) && roleQuota > 0) settings.iamRoleQuota = roleQuota;
  return settings;
}
