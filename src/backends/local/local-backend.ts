// The local backend: the App Mesh, IAM and Cloud Map providers over the store, plus the control
// plane's extras (`local`: change watching, endpoint resolution, the proxy registry).

import type { Backend, CallContext, Input, LocalControlPlane, Output } from '../backend';
import { NotImplementedError } from '../../base/errors';
import { nodeCrypto } from '../../base/lazy-crypto';
import type { ServiceName } from '../../model/services';
import type { LocalSettings, OperationHandler, ProviderContext, Providers } from './provider';
import type { Store } from './store/store';

/** Providers load on first use: a CLI call pays only for the service it talks to. */
const PROVIDER_MODULES: { [S in ServiceName]: () => Providers[S] } = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  appmesh: () => require('./appmesh').provider,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  iam: () => require('./iam').provider,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  servicediscovery: () => require('./servicediscovery').provider,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sts: () => require('./sts').provider,
};

type ProviderTable = Record<string, OperationHandler>;

/** The resolver module (endpoints, proxy registry) loads only when a data-plane feature asks. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resolver = () => require('./resolver') as typeof import('./resolver');

export class LocalBackend implements Backend {
  readonly kind = 'local' as const;
  readonly local: LocalControlPlane;
  private readonly providers = new Map<ServiceName, ProviderTable>();

  constructor(
    readonly store: Store,
    readonly settings: LocalSettings,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {
    const account = settings.account;
    const partition = (region: string) => ({ account, region });
    this.local = {
      home: settings.home,
      account,
      location: store.location,
      watch: (onChange) => store.watch(onChange),
      readVersion: store.readVersion ? () => store.readVersion!() : undefined,
      endpoints: (snapshot, nodeNames, ctx) => resolver().localEndpointResolver(store, account)(snapshot, nodeNames, ctx),
      registerProxy: async (region, registration) => {
        await resolver().registerProxyEndpoint(store, partition(region), registration);
      },
      heartbeatProxy: (region, key) => resolver().heartbeatProxyEndpoint(store, partition(region), key),
      deregisterProxy: (region, key) => resolver().deregisterProxyEndpoint(store, partition(region), key),
    };
  }

  async invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output> {
    const provider = this.provider(service);
    const handler = Object.hasOwn(provider, operation) ? provider[operation] : undefined;
    if (!handler) throw new NotImplementedError(service, operation, 'the local backend');
    const pctx: ProviderContext = {
      store: this.store,
      account: this.settings.account,
      region: ctx.region,
      settings: this.settings,
      caller: ctx.caller,
      now: this.clock,
      uuid: () => nodeCrypto().randomUUID(),
    };
    return handler(input, pctx);
  }

  /**
   * The service's provider as a table by operation name: the one place the typed API meets names
   * that arrive at run time (the dispatcher has checked them against the model table).
   */
  private provider(service: ServiceName): ProviderTable {
    let p = this.providers.get(service);
    if (!p) {
      p = PROVIDER_MODULES[service]() as unknown as ProviderTable;
      this.providers.set(service, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
