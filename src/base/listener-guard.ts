// Who may use a listener awsmesh opens — the API server (`local serve`), the ADS port, the
// sidecars' admin pages, the console. One check for all of them:
//
//  - the peer: a process of this machine must belong to the user who started the listener (its
//    uid is looked up the way identd does, in /proc/net/tcp{,6}: the kernel's table names the uid
//    of the socket at the other end). Loopback is not a boundary between users: every local user
//    can connect to 127.0.0.1. Other users are let in only when the listener says so (the API
//    server when it verifies signatures, or with --allow-other-users). A connection from another
//    host can only arrive when the listener was bound to a non-loopback address, which the
//    commands warn about; `awsmesh serve` adds TLS and authentication for that case.
//  - for HTTP, the request: Host must be a loopback name, an IP address or a configured name (a
//    web page that rebinds its own DNS name to 127.0.0.1 still sends that name), and browsers'
//    requests for other sites' pages (Sec-Fetch-Site: cross-site/same-site, a foreign Origin) are
//    refused, since a page can make a browser send simple GETs and form POSTs anywhere.
//
//   const guard = new ListenerGuard({ allowOtherUsers: flags.allowOtherUsers });
//   const refusal = await guard.checkRequest(req);      // http(s): peer + Host + browser headers
//   const refusal = await guard.checkPeer(remote, local); // anything else (gRPC: call.getPeer())
//   if (refusal) … answer refusal.status with refusal.message, serve nothing …

import { promises as fsp } from 'fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'http';
import * as net from 'net';
import * as os from 'os';
import { isLoopback } from './loopback';

export interface Endpoint {
  address: string;
  port: number;
}

/** Who is at the other end of a connection. */
export type Peer =
  | { kind: 'user'; uid: number }
  | { kind: 'remote' }
  | { kind: 'unknown'; why: string };

export interface GuardOptions {
  /** Processes of other local users may connect (--allow-other-users; the API server also when it verifies signatures). */
  allowOtherUsers?: boolean;
  /** Host names requests may name besides loopback names and IP addresses (--allow-host). */
  allowedHosts?: readonly string[];
  /** Any Host: for network servers reached by DNS names, where every request is authenticated (a rebound page cannot sign). */
  allowAnyHost?: boolean;
  /** Accept browsers' requests made for other sites' pages. */
  allowCrossSite?: boolean;
  /** The uid this listener serves (default: this process's effective uid). */
  uid?: number;
  /** The kernel's TCP tables (tests point this elsewhere). */
  procNet?: string;
}

/** Why a connection or request is refused: HTTP status and a message for the client. */
export interface Refusal {
  status: number;
  message: string;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';
/** The `st` column of a socket in TIME_WAIT. */
const TIME_WAIT = '06';

function hexBytes(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

/** The kernel prints addresses as 32-bit words in host byte order. */
function procWords(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    out += hexBytes(LITTLE_ENDIAN ? word.reverse() : word);
  }
  return out;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address in hex words (IPv4-mapped ones are handled by the caller). */
function ipv6Bytes(address: string): number[] {
  const text = address.replace(/%.*$/, '');
  const [head, tail] = text.includes('::') ? text.split('::') : [text, ''];
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  return [...h, ...new Array(8 - h.length - t.length).fill(0), ...t].flatMap((w) => [w >> 8, w & 0xff]);
}

/** `address:port` as /proc/net/tcp{,6} spells it, for each table the socket could be in. */
function procForms(e: Endpoint): Array<{ table: 'tcp' | 'tcp6'; text: string }> {
  const port = e.port.toString(16).padStart(4, '0').toUpperCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(e.address);
  const v4 = net.isIPv4(e.address) ? e.address : mapped?.[1];
  if (v4) {
    const b = ipv4Bytes(v4);
    return [
      { table: 'tcp', text: `${procWords(b)}:${port}` },
      { table: 'tcp6', text: `${procWords([...new Array(10).fill(0), 0xff, 0xff, ...b])}:${port}` },
    ];
  }
  return [{ table: 'tcp6', text: `${procWords(ipv6Bytes(e.address))}:${port}` }];
}

function unspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/** Whether `address` is one of this machine's own (so its socket must be in our tables). */
function isOwnAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  if (isLoopback(a)) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === a));
}

async function readTable(dir: string, table: 'tcp' | 'tcp6'): Promise<string | undefined> {
  try {
    return await fsp.readFile(`${dir}/${table}`, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * Who holds the socket at the other end of a TCP connection from `remote` to our `local`
 * endpoint: a local user (its uid), another host, or unknown (no /proc/net on this platform, or
 * the peer is gone). `local.address` may be unspecified (0.0.0.0/::) when only the port is known.
 */
export async function findPeer(remote: Endpoint, local: Endpoint, procNet = '/proc/net'): Promise<Peer> {
  const tables = new Map<string, string | undefined>();
  for (const t of ['tcp', 'tcp6'] as const) tables.set(t, await readTable(procNet, t));
  if (![...tables.values()].some(Boolean)) return { kind: 'unknown', why: `this platform has no ${procNet}/tcp to tell local users apart` };
  const ours = unspecified(local.address) ? undefined : procForms(local);
  const ourPort = `:${local.port.toString(16).padStart(4, '0').toUpperCase()}`;
  for (const form of procForms(remote)) {
    const text = tables.get(form.table);
    if (!text) continue;
    // The peer's own socket: its local address is the remote endpoint, its remote address is ours.
    for (let at = text.indexOf(` ${form.text} `); at !== -1; at = text.indexOf(` ${form.text} `, at + 1)) {
      const line = text.slice(at, text.indexOf('\n', at) === -1 ? undefined : text.indexOf('\n', at));
      const fields = line.trim().split(/\s+/);
      const rem = fields[1] ?? '';
      if (fields[2] === TIME_WAIT) continue; // a closed socket's remains: owned by no one (uid 0)
      const matches = ours ? ours.some((o) => o.table === form.table && o.text === rem) : rem.endsWith(ourPort);
      if (!matches) continue;
      const uid = Number(fields[6]);
      if (Number.isInteger(uid)) return { kind: 'user', uid };
    }
  }
  if (isOwnAddress(remote.address)) return { kind: 'unknown', why: 'the connecting socket is not in this machine\'s TCP tables (it closed, or lives in another network namespace)' };
  return { kind: 'remote' };
}

/** host[:port] → host, without IPv6 brackets. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1];
  const colons = host.split(':').length - 1;
  return colons === 1 ? host.slice(0, host.indexOf(':')) : host;
}

export class ListenerGuard {
  private readonly verdicts = new WeakMap<net.Socket, Promise<Refusal | undefined>>();
  /** The verdicts already known, for servers that answer a connection's later requests without waiting. */
  private readonly settled = new WeakMap<net.Socket, { refusal: Refusal | undefined }>();
  private readonly uid: number | undefined;
  /** The Host value checked last and its refusal: a client sends the same one with every request. */
  private lastHost: string | undefined;
  private lastHostRefusal: Refusal | undefined;

  constructor(readonly opts: GuardOptions = {}) {
    this.uid = opts.uid ?? process.geteuid?.();
  }

  /** Refusal for the process at the other end of a connection (known by its two endpoints), or undefined. */
  async checkPeer(remote: Endpoint, local: Endpoint): Promise<Refusal | undefined> {
    if (this.opts.allowOtherUsers || this.uid === undefined) return undefined;
    const peer = await findPeer(remote, local, this.opts.procNet);
    if (peer.kind === 'remote') return undefined;
    if (peer.kind === 'user') {
      if (peer.uid === this.uid) return undefined;
      return {
        status: 403,
        message: `This awsmesh listener serves only the user who started it (uid ${this.uid}); this connection comes from uid ${peer.uid}. ` +
          'Start it with --allow-other-users (or, for local serve, --verify-signatures) to let other users in.',
      };
    }
    // No /proc/net at all (macOS, BSD): the check cannot be made; said in SECURITY.md.
    if (peer.why.startsWith('this platform')) return undefined;
    return { status: 403, message: `This awsmesh listener serves only its own user, and cannot tell who connected: ${peer.why}.` };
  }

  /** checkPeer for a socket of a net/http server, once per connection. */
  checkConnection(socket: net.Socket): Promise<Refusal | undefined> {
    let verdict = this.verdicts.get(socket);
    if (!verdict) {
      const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
      const local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
      verdict = this.checkPeer(remote, local);
      this.verdicts.set(socket, verdict);
      verdict.then((refusal) => this.settled.set(socket, { refusal }), () => undefined);
    }
    return verdict;
  }

  /** checkConnection's verdict when it is already known (undefined: not yet; await checkConnection). */
  knownVerdict(socket: net.Socket): { refusal: Refusal | undefined } | undefined {
    return this.settled.get(socket);
  }

  /** Refusal for a request's Host and browser headers (DNS rebinding, other sites' pages), or undefined. */
  checkHeaders(headers: IncomingHttpHeaders): Refusal | undefined {
    const host = headers.host;
    if (host !== undefined && !this.opts.allowAnyHost) {
      if (host !== this.lastHost) {
        this.lastHostRefusal = this.checkHost(host);
        this.lastHost = host;
      }
      if (this.lastHostRefusal) return this.lastHostRefusal;
    }
    if (this.opts.allowCrossSite) return undefined;
    const site = headers['sec-fetch-site'];
    const origin = headers.origin;
    const foreignOrigin = typeof origin === 'string' && origin !== 'null' && host !== undefined && !sameHost(origin, host);
    if (site === 'cross-site' || site === 'same-site' || foreignOrigin || origin === 'null') {
      return { status: 403, message: 'Requests a web browser makes for another site\'s page are refused (Sec-Fetch-Site/Origin): a page could otherwise drive this listener.' };
    }
    return undefined;
  }

  /** Refusal for a Host value that names neither a loopback name, an IP address nor an allowed name. */
  private checkHost(host: string): Refusal | undefined {
    // data-localhost: Cloud Map's DiscoverInstances host prefix in front of localhost.
    const name = hostName(host).toLowerCase().replace(/^data-(?=localhost$)/, '');
    const ok = isLoopback(name) || name.endsWith('.localhost') || net.isIP(name) !== 0 ||
      (this.opts.allowedHosts ?? []).some((h) => h.toLowerCase() === name);
    if (ok) return undefined;
    return {
      status: 421,
      message: `Host '${host}' is not a name of this listener: only loopback names, IP addresses` +
        `${this.opts.allowedHosts?.length ? ` and ${this.opts.allowedHosts.join(', ')}` : ''} are accepted ` +
        '(a web page could otherwise point its own DNS name at 127.0.0.1). Start it with --allow-host NAME to accept a name.',
    };
  }

  /** Peer, Host and browser headers of an HTTP request. */
  async checkRequest(req: IncomingMessage): Promise<Refusal | undefined> {
    return this.checkHeaders(req.headers) ?? (await this.checkConnection(req.socket));
  }
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
