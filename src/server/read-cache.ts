// Rendered answers of App Mesh's read operations (Describe*, List*), reused while the state store
// says nothing has been committed since they were made. The store's readVersion (SQLite: PRAGMA
// data_version, which sees every other process's commits — run only when the WAL index header has
// changed —, plus this connection's own write count) is taken before the call that fills an entry,
// so an entry is never newer-labelled than its data, and checked on every request, so a write by
// another CLI process or serve replica is seen by the very next read. A request that repeats a
// cacheable read's head is known without routing or decoding it again (RequestHandler.handleNow).
// PostgreSQL's readVersion is its commit counter, read in one small statement per request: a
// round trip, but no resource read, rendering or serialisation on a hit.

import type { Input } from '../backends/backend';
import type { ServiceName } from '../model/services';
import type { WireResponse } from './wire';

/** Enough for the describes and list pages clients poll; the whole cache goes at the next commit anyway. */
const MAX_ENTRIES = 512;

/**
 * Operations whose answer depends only on the stored state, the input and the region (not on the
 * caller, the clock or randomness): App Mesh's describes and lists (their nextTokens are HMACs of
 * the position under a stored secret, so the same page gets the same token).
 */
function cacheable(service: ServiceName, operation: string): boolean {
  return service === 'appmesh' && (operation.startsWith('Describe') || operation.startsWith('List'));
}

export interface CacheSlot {
  key: string;
  version: string;
}

export class ReadCache {
  private version: string | undefined;
  private readonly entries = new Map<string, WireResponse>();
  /** The store's readVersion answers in this turn (SQLite); known after its first call. */
  private sync = false;

  constructor(private readonly readVersion: () => string | undefined | Promise<string | undefined>) {}

  /**
   * Where this call's answer is (or would be) kept; undefined when it is not cacheable now. A
   * promise only when the store's readVersion is one (PostgreSQL): SQLite's answers in this turn.
   */
  slot(service: ServiceName, operation: string, region: string, input: Input): CacheSlot | undefined | Promise<CacheSlot | undefined> {
    if (!cacheable(service, operation)) return undefined;
    const key = `${operation}\n${region}\n${JSON.stringify(input)}`;
    const version = this.readVersion();
    this.sync = !(version instanceof Promise);
    return version instanceof Promise ? version.then((v) => this.slotAt(v, key)) : this.slotAt(version, key);
  }

  /**
   * The slot of a key a slot had before (a repeated request), taken in this turn; undefined when
   * the store's version is not known now or only asynchronously (then slot() is the way).
   */
  slotNow(key: string): CacheSlot | undefined {
    return this.sync ? this.slotAt(this.readVersion() as string | undefined, key) : undefined;
  }

  private slotAt(version: string | undefined, key: string): CacheSlot | undefined {
    if (version === undefined) return undefined;
    // Concurrent slots may resolve out of order: an older version then only empties the cache
    // (entries are always at least as new as their label, so no answer is ever too old).
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    return { key, version };
  }

  /** The kept answer, with this request's id. */
  get(slot: CacheSlot, requestId: string): WireResponse | undefined {
    const hit = slot.version === this.version ? this.entries.get(slot.key) : undefined;
    if (hit === undefined) return undefined;
    const headers: Record<string, string> = {}; // key by key: see http-server.ts's send
    for (const name in hit.headers) headers[name] = hit.headers[name];
    headers['x-amzn-requestid'] = requestId;
    return { status: hit.status, headers, body: hit.body, bytes: hit.bytes };
  }

  /** Keeps a successful answer made under `slot.version` (if nothing has been committed since the slot was taken). */
  put(slot: CacheSlot, response: WireResponse): void {
    if (response.status >= 300 || slot.version !== this.version) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    // Encoded once: every hit writes the same bytes.
    this.entries.set(slot.key, { ...response, bytes: Buffer.from(response.body) });
  }
}
