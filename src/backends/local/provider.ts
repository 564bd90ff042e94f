// What a local service provider is: one async handler per API operation, semantics only (no
// HTTP, no CLI), typed by the API interface generated from the service model (a missing operation
// does not compile). Input arrives already validated against the operation's JSON Schema.

import type { AppMeshApi } from '../../generated/appmesh-api';
import type { IamApi } from '../../generated/iam-api';
import type { ServiceDiscoveryApi } from '../../generated/servicediscovery-api';
import type { StsApi } from '../../generated/sts-api';
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

/** Each service's provider: the whole generated API. */
export interface Providers {
  appmesh: AppMeshApi<ProviderContext>;
  iam: IamApi<ProviderContext>;
  servicediscovery: ServiceDiscoveryApi<ProviderContext>;
  sts: StsApi<ProviderContext>;
}

/** One handler as the backend calls it, by operation name, with the input as a record. */
export type OperationHandler = (input: Input, ctx: ProviderContext) => Promise<Output>;
