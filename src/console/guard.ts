// What keeps other web pages away from the console, whoever hosts it and however users sign in:
// the Host header must name this server (DNS rebinding), cross-site requests are refused (Origin,
// Sec-Fetch-Site), and writes need the page's CSRF token in a header plus a same-origin Origin and
// a JSON body — none of which a form, an <img> or a cross-site fetch without CORS can send.

import { timingSafeEqual } from 'crypto';
import type * as http from 'http';
import { isLoopback } from '../base/loopback';

export interface Refusal {
  status: number;
  message: string;
}

/** localhost, 127.0.0.0/8 and ::1 on any port: the default when the host server names no others. */
export function loopbackHost(host: string): boolean {
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host);
  return !!m && isLoopback(m[1]);
}

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function checkBrowserRequest(
  req: http.IncomingMessage, allowedHost: (host: string) => boolean, csrfToken: string,
): Refusal | undefined {
  const host = req.headers.host;
  if (!host || !allowedHost(host)) return { status: 403, message: `Host ${host ?? '(none)'} is not this console's address.` };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { status: 403, message: 'Cross-site requests are refused.' };
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== host) return { status: 403, message: `Requests from ${origin} are refused.` };
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  if (req.method !== 'POST') return { status: 405, message: `${req.method} is not allowed.` };
  if (origin === undefined) return { status: 403, message: 'Changes need the Origin header a browser sends.' };
  const token = req.headers['x-csrf-token'];
  if (!sameSecret(typeof token === 'string' ? token : undefined, csrfToken)) return { status: 403, message: 'Changes need the page\'s CSRF token (reload the page).' };
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return { status: 415, message: 'Changes are sent as application/json.' };
  return undefined;
}

function originHost(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host : undefined;
  } catch {
    return undefined;
  }
}
