// What route matching sees of a request, the same for HTTP/1.1 and HTTP/2 downstreams: Envoy's
// pseudo-headers (:method, :authority, :path, :scheme) plus lower-case regular headers.

import type { IncomingHttpHeaders } from 'http';

export class RequestView {
  private queryCache?: Map<string, string | undefined>;

  constructor(
    readonly method: string,
    readonly authority: string,
    /** :path, including the query string. */
    public path: string,
    readonly headers: IncomingHttpHeaders,
    readonly scheme: string,
  ) {}

  /** Header value as Envoy matches it (repeated headers joined with ","). */
  header(name: string): string | undefined {
    if (name.charCodeAt(0) === 58 /* : */) {
      switch (name) {
        case ':method': return this.method;
        case ':authority': return this.authority;
        case ':path': return this.path;
        case ':scheme': return this.scheme;
        default: return undefined;
      }
    }
    const v = this.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  }

  /** The path without its query string. */
  pathOnly(): string {
    const q = this.path.indexOf('?');
    return q < 0 ? this.path : this.path.slice(0, q);
  }

  /** First value of a query parameter; `null` when absent (a present but empty one is ""). */
  query(name: string): string | null {
    if (!this.queryCache) {
      this.queryCache = new Map();
      const q = this.path.indexOf('?');
      if (q >= 0) {
        for (const part of this.path.slice(q + 1).split('&')) {
          if (!part) continue;
          const eq = part.indexOf('=');
          const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
          if (!this.queryCache.has(k)) this.queryCache.set(k, eq < 0 ? '' : safeDecode(part.slice(eq + 1)));
        }
      }
    }
    const v = this.queryCache.get(name);
    return v === undefined ? null : v;
  }

  isGrpc(): boolean {
    const ct = this.headers['content-type'];
    return typeof ct === 'string' && ct.startsWith('application/grpc');
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Envoy's normalize_path + merge_slashes: resolve `.`/`..` segments and collapse `//`. The query
 * string is left alone. Cheap when there is nothing to do (the common case).
 */
export function normalizePath(path: string): string {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  if (!p.includes('//') && !p.includes('/.')) return path;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const trailing = p.endsWith('/') || p.endsWith('/.') || p.endsWith('/..');
  const norm = `/${out.join('/')}${trailing && out.length ? '/' : ''}`;
  return q < 0 ? norm : norm + path.slice(q);
}
