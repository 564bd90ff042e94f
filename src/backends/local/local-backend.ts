import type { Backend, CallContext, Input, Output } from '../backend';
import { nodeCrypto } from '../../core/lazy-crypto';
import type { ServiceName } from '../../model/services';
import type { LocalSettings, Provider, ProviderContext } from './provider';
import type { Store } from './store/store';

/** Providers load on first use: a CLI call pays only for the service it talks to. */
const PROVIDER_MODULES: Record<ServiceName, () => Provider> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  appmesh: () => require('./appmesh').provider,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  iam: () => require('./iam').provider,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  servicediscovery: () => require('./servicediscovery').provider,
};

export class LocalBackend implements Backend {
  readonly kind = 'local' as const;
  private readonly providers = new Map<ServiceName, Provider>();

  constructor(
    readonly store: Store,
    readonly settings: LocalSettings,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  async invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output> {
    const handler = this.provider(service)[operation];
    if (!handler) throw new Error(`the local backend does not implement ${service} ${operation}`);
    const pctx: ProviderContext = {
      store: this.store,
      account: this.settings.account,
      region: ctx.region,
      settings: this.settings,
      now: this.clock,
      uuid: () => nodeCrypto().randomUUID(),
    };
    return handler(input, pctx);
  }

  private provider(service: ServiceName): Provider {
    let p = this.providers.get(service);
    if (!p) {
      p = PROVIDER_MODULES[service]();
      this.providers.set(service, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
