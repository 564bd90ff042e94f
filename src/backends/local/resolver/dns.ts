// DNS service discovery: a node's hostname is an endpoint only while it really resolves. Lookups
// go through the system resolver (dns.lookup, so /etc/hosts counts) with a short timeout, and
// answers are cached briefly so resolving many nodes stays cheap.

import { lookup as dnsLookup } from 'dns';
import type { IpPreference } from './types';

/** Resolves a hostname to its addresses for an address family (0 = any). */
export type LookupFn = (hostname: string, family: 0 | 4 | 6) => Promise<string[]>;

export interface HostnameCheckerOptions {
  timeoutMs?: number;
  /** How long a resolving answer is reused. */
  cacheMs?: number;
  /** How long a failing answer is reused. */
  negativeCacheMs?: number;
  lookup?: LookupFn;
  /** Milliseconds clock, injectable for tests. */
  clock?: () => number;
}

const systemLookup: LookupFn = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });

export function familyFor(preference: IpPreference | undefined): 0 | 4 | 6 {
  return preference === 'IPv4_ONLY' ? 4 : preference === 'IPv6_ONLY' ? 6 : 0;
}

export class HostnameChecker {
  private readonly cache = new Map<string, { ok: boolean; until: number }>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly negativeCacheMs: number;
  private readonly lookup: LookupFn;
  private readonly clock: () => number;

  constructor(opts: HostnameCheckerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.cacheMs = opts.cacheMs ?? 5000;
    this.negativeCacheMs = opts.negativeCacheMs ?? 2000;
    this.lookup = opts.lookup ?? systemLookup;
    this.clock = opts.clock ?? Date.now;
  }

  /** true when `hostname` resolves (in time) to at least one address of the family. */
  async resolves(hostname: string, family: 0 | 4 | 6 = 0): Promise<boolean> {
    const key = `${family}|${hostname.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.clock()) return cached.ok;
    let running = this.pending.get(key);
    if (!running) {
      running = this.check(hostname, family).then((ok) => {
        this.cache.set(key, { ok, until: this.clock() + (ok ? this.cacheMs : this.negativeCacheMs) });
        this.pending.delete(key);
        return ok;
      });
      this.pending.set(key, running);
    }
    return running;
  }

  private async check(hostname: string, family: 0 | 4 | 6): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.lookup(hostname, family).then((a) => a.length > 0, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Shared by callers that do not bring their own checker. */
export const defaultHostnameChecker = new HostnameChecker();
