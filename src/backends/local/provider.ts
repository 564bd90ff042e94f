// What a local service provider is: one async handler per API operation, semantics only (no
// HTTP, no CLI). Input arrives already validated against the operation's JSON Schema.

import type { Caller, Input, Output } from '../backend';
import type { Store } from './store/store';

export interface LocalSettings {
  /** Directory holding the state (AWSMESH_HOME, default ~/.awsmesh). */
  home: string;
  /** Account the local backend acts as (AWSMESH_ACCOUNT_ID, default 111122223333). */
  account: string;
  /** Roles per account before IAM answers LimitExceeded (AWSMESH_IAM_ROLE_QUOTA, default 1000). */
  iamRoleQuota?: number;
  /** The environment the settings were read from (providers' own options, e.g. AWSMESH_QUOTA_*). */
  env?: NodeJS.ProcessEnv;
}

export interface ProviderContext {
  store: Store;
  account: string;
  region: string;
  settings: LocalSettings;
  /** The authenticated caller of a served request; undefined for the CLI (which acts as the account root). */
  caller?: Caller;
  /** Epoch seconds with milliseconds; injectable for tests. */
  now(): number;
  uuid(): string;
}

export type OperationHandler = (input: Input, ctx: ProviderContext) => Promise<Output>;
export type Provider = Record<string, OperationHandler>;
