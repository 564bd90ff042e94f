// Per-invocation application context: IO, resolved global options, and lazily created backends.
// Command modules receive `() => App` and call it inside their action handlers.

import type { Backend } from '../backends/backend';
import type { LocalBackend } from '../backends/local/local-backend';
import { DEFAULT_LOCAL_REGION, localSettings } from '../backends/local/settings';
import {
  activeProfileName, loadProfile, requireProfile, resolveOutputName, resolveRegion, type ProfileSettings,
} from '../base/aws-config';
import { ConfigError, UsageError } from '../base/errors';
import type { Io } from '../base/io';
import type { Dispatcher } from './dispatcher';
import type { ServiceName } from '../model/services';
import type { OperationDefinition } from '../model/types';
import type { PagedListing } from '../output/render';

export const OUTPUT_FORMATS = ['json', 'text', 'table', 'yaml', 'yaml-stream'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Options every command accepts (the AWS CLI's global options plus --backend). */
export interface GlobalOptions {
  backend?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  output?: string;
  query?: string;
  paginate?: boolean;
  maxItems?: string;
  startingToken?: string;
  pageSize?: string;
  debug?: boolean;
  color?: string;
  cliPager?: boolean;
  verifySsl?: boolean;
  signRequest?: boolean;
  cliReadTimeout?: string;
  cliConnectTimeout?: string;
  caBundle?: string;
  /** The local backend's store: sqlite:PATH or postgres://… (default: AWSMESH_STORE_URL, else AWSMESH_HOME). */
  store?: string;
}

export interface PrintOptions {
  service?: ServiceName;
  operation?: OperationDefinition;
  /** Each page of a paginated call, for --output yaml-stream and text. */
  pages?: unknown[];
  /** Set when the result is a listing the paginator assembled from `pages` (see Dispatcher.paginate). */
  paged?: PagedListing;
}

/** Replacements for what App would otherwise create (tests: a fake backend). */
export interface AppOverrides {
  backend?: () => Backend | Promise<Backend>;
}

export class App {
  private backendPromise?: Promise<Backend>;
  private dispatcherPromise?: Promise<Dispatcher>;
  private localPromise?: Promise<LocalBackend>;
  private profileCache?: ProfileSettings;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
    private readonly overrides: AppOverrides = {},
  ) {}

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** local unless --backend/AWSMESH_BACKEND say otherwise; --endpoint-url implies aws. */
  backendKind(): 'local' | 'aws' {
    const chosen = this.globals.backend ?? this.env.AWSMESH_BACKEND ?? (this.globals.endpointUrl ? 'aws' : 'local');
    if (chosen !== 'local' && chosen !== 'aws') {
      throw new UsageError(`argument --backend: Invalid choice, valid choices are: local | aws (got '${chosen}')`);
    }
    if (chosen === 'local' && this.globals.endpointUrl) {
      throw new UsageError('--endpoint-url needs the aws backend; drop --backend local or the endpoint.');
    }
    return chosen;
  }

  profile(): ProfileSettings {
    if (!this.profileCache) {
      const { name, explicit } = activeProfileName(this.globals.profile, this.env);
      this.profileCache = loadProfile(name, this.env);
      if (explicit) requireProfile(this.profileCache);
    }
    return this.profileCache;
  }

  /** The region calls are made in. The local backend has a default; AWS needs one configured. */
  region(): string {
    const region = resolveRegion(this.globals.region, this.env, this.profile());
    if (region) return region;
    if (this.backendKind() === 'local') return this.env.AWSMESH_REGION || DEFAULT_LOCAL_REGION;
    throw new ConfigError('You must specify a region. You can also configure your region by running "aws configure".');
  }

  /** The account calls act as, when known without a call: the local backend's, else AWSMESH_ACCOUNT_ID. */
  account(): string | undefined {
    return this.backendKind() === 'local' ? localSettings(this.env).account : this.env.AWSMESH_ACCOUNT_ID || undefined;
  }

  outputFormat(): OutputFormat {
    const name = resolveOutputName(this.globals.output, this.env, this.profile());
    if (!(OUTPUT_FORMATS as readonly string[]).includes(name)) {
      throw new UsageError(`argument --output: Invalid choice, valid choices are:\n\n${OUTPUT_FORMATS.join('                                     \n')}`);
    }
    return name as OutputFormat;
  }

  /** Colour on a TTY unless --color off / NO_COLOR; --color on forces it. */
  colorEnabled(): boolean {
    const c = this.globals.color ?? 'auto';
    if (c === 'on') return true;
    if (c === 'off') return false;
    return this.io.stdoutIsTTY && !this.env.NO_COLOR;
  }

  debug(message: string): void {
    if (this.globals.debug) this.io.stderr.write(`${new Date().toISOString()} awsmesh - DEBUG - ${message}\n`);
  }

  backend(): Promise<Backend> {
    this.backendPromise ??= this.createBackend();
    return this.backendPromise;
  }

  /** The one path for this invocation's calls: the chosen backend, in the region in effect. */
  dispatcher(): Promise<Dispatcher> {
    this.dispatcherPromise ??= this.backend().then((backend) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Dispatcher: DispatcherClass } = require('./dispatcher') as typeof import('./dispatcher');
      return new DispatcherClass(backend, this.region());
    });
    return this.dispatcherPromise;
  }

  /** The embedded local backend, whatever --backend says (for `awsmesh local …`). */
  localBackend(): Promise<LocalBackend> {
    this.localPromise ??= Promise.resolve().then(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { openLocalBackend } = require('../backends/local') as typeof import('../backends/local');
      return openLocalBackend(this.env, this.globals.store);
    });
    return this.localPromise;
  }

  private async createBackend(): Promise<Backend> {
    if (this.overrides.backend) return this.overrides.backend();
    if (this.backendKind() === 'local') return this.localBackend();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createAwsBackend } = require('../backends/aws') as typeof import('../backends/aws');
    return createAwsBackend({
      env: this.env,
      region: this.region(),
      profile: this.profile(),
      profileFlag: this.globals.profile,
      endpointUrl: this.globals.endpointUrl,
      verifySsl: this.globals.verifySsl !== false,
      signRequest: this.globals.signRequest !== false,
      readTimeoutSeconds: numberOption(this.globals.cliReadTimeout),
      connectTimeoutSeconds: numberOption(this.globals.cliConnectTimeout),
      caBundle: this.globals.caBundle,
      debug: this.globals.debug ? (line: string) => this.debug(line) : undefined,
    });
  }

  /** Formats a result per --output/--query and writes it to stdout. */
  print(value: unknown, opts: PrintOptions = {}): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderResult } = require('../output/render') as typeof import('../output/render');
    const text = renderResult(value, {
      format: this.outputFormat(),
      query: this.globals.query,
      service: opts.service,
      operation: opts.operation,
      pages: opts.pages,
      paged: opts.paged,
      color: this.colorEnabled(),
      terminalWidth: this.io.stdoutIsTTY ? this.io.stdoutColumns || 80 : 80,
    });
    if (text) this.io.stdout.write(text);
  }

  async close(): Promise<void> {
    const backends = await Promise.allSettled([this.backendPromise, this.localPromise].filter(Boolean));
    const seen = new Set<Backend>();
    for (const r of backends) {
      if (r.status === 'fulfilled' && r.value && !seen.has(r.value)) {
        seen.add(r.value);
        await r.value.close();
      }
    }
  }
}

function numberOption(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}
