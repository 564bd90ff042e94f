// Reading the running proxies' metrics: each admin port's /stats/prometheus (with every
// histogram bucket edge, so quantiles can be recomputed exactly across proxies and windows),
// parsed into series. Admin ports are on 127.0.0.1 only.

import * as http from 'http';
import type { DiscoveredProxy } from './discovery';

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** From the family's `# TYPE` line: counter, gauge, histogram (its _bucket/_sum/_count), … */
  type?: string;
}

export interface Scrape {
  proxy: DiscoveredProxy;
  /** When the scrape finished (ms). */
  at: number;
  series: Series[];
  /** Why the proxy could not be read (then `series` is empty). */
  error?: string;
}

function parseValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Prometheus text exposition → series (comments and type lines skipped). */
export function parsePrometheusText(text: string): Series[] {
  const out: Series[] = [];
  const types = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const typeLine = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
    if (typeLine) types.set(typeLine[1], typeLine[2]);
    if (!line || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const labels: Record<string, string> = {};
    let name: string;
    let rest: string;
    if (brace >= 0 && brace < (line.indexOf(' ') < 0 ? Infinity : line.indexOf(' '))) {
      name = line.slice(0, brace);
      let i = brace + 1;
      while (i < line.length && line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq).trim().replace(/^,/, '').trim();
        let j = eq + 2; // after ="
        let value = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) {
            const c = line[j + 1];
            value += c === 'n' ? '\n' : c;
            j += 2;
          } else value += line[j++];
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      rest = line.slice(i + 1).trim();
    } else {
      const sp = line.indexOf(' ');
      name = line.slice(0, sp);
      rest = line.slice(sp + 1).trim();
    }
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    const type = types.get(name) ?? (base && types.get(base) === 'histogram' ? 'histogram' : undefined);
    out.push({ name, labels, value: parseValue(rest.split(/\s+/)[0]), type });
  }
  return out;
}

export function fetchText(port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // An admin page this large is not one of ours.
        if (size > 64 * 1024 * 1024) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export async function scrapeProxy(proxy: DiscoveredProxy, timeoutMs = 2000): Promise<Scrape> {
  try {
    const r = await fetchText(proxy.admin, '/stats/prometheus?histogram_buckets=detailed', timeoutMs);
    if (r.status !== 200) return { proxy, at: Date.now(), series: [], error: `admin answered HTTP ${r.status}` };
    return { proxy, at: Date.now(), series: parsePrometheusText(r.body) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { proxy, at: Date.now(), series: [], error: err.code === 'ECONNREFUSED' ? `nothing listens on admin port ${proxy.admin}` : err.message };
  }
}

export function scrapeAll(proxies: DiscoveredProxy[], timeoutMs?: number): Promise<Scrape[]> {
  return Promise.all(proxies.map((p) => scrapeProxy(p, timeoutMs)));
}
