// The console under `awsmesh serve`, at /console on the API port, with the API's authentication:
// a browser cannot sign requests, so the user signs in once with an awsmesh IAM user's access key
// (checked like a signature's key: it must exist and be active) and gets a session cookie. Every
// App Mesh call the console then makes for that session is authorized against that user's
// policies exactly as a signed API call is (server/auth/permissions), and a deleted or deactivated
// key ends the session, and so does the page's "Sign out" (POST /console/api/sign-out, a CSRF-checked
// write). Failed sign-ins are limited per client address and per access key (console/sign-in-limit).
// The proxies page shows a signed-in user only the proxies of the virtual nodes and gateways their
// policies let them describe. With `--auth none` (loopback only) the console is open, like the API.
// What guards the console from other web pages is its own (console/guard.ts: Origin, CSRF).

import { randomBytes } from 'crypto';
import type * as http from 'http';
import type { Backend, Input, Output } from '../../backends/backend';
import { ServiceError } from '../../base/errors';
import { Dispatcher, type CallOptions } from '../../core/dispatcher';
import { createConsoleHandler, layoutCacheDir, type ConsoleHandler, type ConsoleHandlerOptions } from '../../console/handler';
import { Layouter } from '../../console/layout';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from '../../console/sign-in-limit';
import { loopbackHost, sameSecret } from '../../console/guard';
import type { ConsoleSource, ProxyResource } from '../../console/source';
import type { ServiceName } from '../../model/services';
import type { ClientStatus } from '../../xds/status';
import type { ProxyStatus } from '../../xds/status-client';
import { AuthError, type Authenticated, type IamAuthenticator } from '../auth/iam-auth';
import { requiredPermission } from '../auth/permissions';

export const CONSOLE_PATH = '/console';
const COOKIE = 'awsmesh_console';
/** A session lasts this long from sign-in; a browser left open signs in again. */
const SESSION_MS = 8 * 3600_000;
/** Open sessions kept at once (each has its own caches and event streams); the oldest goes first. */
const MAX_SESSIONS = 64;
const MAX_FORM_BYTES = 4096;

export interface ConsoleMountOptions {
  backend: Backend;
  region: string;
  account: string;
  home: string;
  version: string;
  /** The API's authenticator; undefined with --auth none. */
  iam?: IamAuthenticator;
  /** Connected Envoys of this server's own ADS server. */
  xds?: { address: string; clients(): ClientStatus[] };
  /** HTTPS: the session cookie is Secure. */
  secure: boolean;
  log?: (line: string) => void;
  /** Failed sign-ins allowed (default DEFAULT_SIGN_IN_LIMITS). */
  signInLimits?: SignInLimits;
}

export interface ConsoleMount {
  /** http-server's extraRoutes: true when the request was the console's. */
  route(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

/** What a signed-in session adds to its console: who, how to sign out, which proxies it may see. */
type SessionHooks = Pick<ConsoleHandlerOptions, 'user' | 'signOut'> & Pick<ConsoleSource, 'proxyFilter'>;

interface Session {
  id: string;
  accessKeyId: string;
  secret: string;
  user: string;
  expires: number;
  handler: ConsoleHandler;
}

/** Each call authorized with the signed-in user's policies, as the API authorizes a signed call. */
class SignedInDispatcher extends Dispatcher {
  constructor(backend: Backend, region: string, private readonly who: () => Promise<Authenticated>,
    private readonly iam: IamAuthenticator, private readonly account: string, private readonly secure: boolean) {
    super(backend, region);
  }

  override async dispatch(service: ServiceName, operation: string, input: Input, opts: CallOptions = {}): Promise<Output> {
    const auth = await this.who();
    const need = requiredPermission(service, operation, input, { region: opts.region ?? this.region, account: this.account, callerUser: auth.caller.userName });
    if (need) {
      try {
        this.iam.authorize(auth, need.action, need.resource, { 'aws:SecureTransport': String(this.secure) });
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        const code = service === 'iam' ? 'AccessDenied' : 'AccessDeniedException';
        throw new ServiceError(code, e.message, { status: 403, service, operation });
      }
    }
    return super.dispatch(service, operation, input, { ...opts, caller: auth.caller });
  }
}

/** The ADS server's own view of a client, in the shape the console reads from CSDS. */
function proxyStatus(c: ClientStatus): ProxyStatus {
  const types: ProxyStatus['types'] = {};
  for (const t of c.types) {
    types[t.type] = {
      state: t.state, sentVersion: t.sentVersion ?? '', ackedVersion: t.ackedVersion ?? '', nacks: t.nacks,
      subscribed: t.subscribed, resources: t.resources.length, ...(t.lastNack ? { lastNack: t.lastNack } : {}),
    };
  }
  return { nodeId: c.nodeId, client: c.userAgent, flavor: c.flavor, peer: c.peer, stream: c.stream, connectedAt: c.connectedAt, invalid: c.invalid, types };
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · awsmesh console</title></head>
<body>
<main>
<h1>awsmesh console</h1>
<p>Sign in with the access key of an awsmesh IAM user of this server (<code>awsmesh iam create-access-key</code>).
What you see and change is what that user's policies allow.</p>
${message ? `<p role="alert" id="sign-in-error">${escapeHtml(message)}</p>\n` : ''}<form method="post" action="${CONSOLE_PATH}/sign-in">
<p><label for="accessKeyId">Access key ID</label><br><input id="accessKeyId" name="accessKeyId" autocomplete="username" required autofocus></p>
<p><label for="secretAccessKey">Secret access key</label><br><input id="secretAccessKey" name="secretAccessKey" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body></html>
`;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it a browser sends "Origin: null" with the form, and the sign-in needs the page's origin.
  'referrer-policy': 'same-origin',
};

function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_FORM_BYTES) {
        resolve(undefined);
        req.socket.destroy();
      }
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', () => resolve(undefined));
  });
}

/** A form post to sign in must come from a page of this server (login CSRF). */
function sameOriginForm(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser (browsers send Origin on every POST)
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function mountConsole(o: ConsoleMountOptions): ConsoleMount {
  const sessions = new Map<string, Session>();
  const limiter = new SignInLimiter(o.signInLimits ?? DEFAULT_SIGN_IN_LIMITS);
  // One layouter (one worker, one disk cache) for every session: the same mesh is laid out once.
  const layouter = new Layouter({ cacheDir: layoutCacheDir(o.home) });
  const xds: ConsoleSource['xds'] = o.xds && { address: o.xds.address, status: async () => o.xds!.clients().map(proxyStatus) };
  const handlerFor = (api: Dispatcher, label: string, session?: SessionHooks) => createConsoleHandler({
    source: { api, label, home: o.home, xds, version: o.version, proxyFilter: session?.proxyFilter },
    basePath: CONSOLE_PATH, layouter, user: session?.user, signOut: session?.signOut,
    // Signed in, the session cookie is what ties a request to this server (a rebinding page has
    // none); open (--auth none, loopback), only loopback names are ours.
    allowedHost: o.iam ? () => true : loopbackHost,
  });
  const open = o.iam ? undefined : handlerFor(new Dispatcher(o.backend, o.region), `awsmesh serve (${o.region})`);

  const end = (s: Session): Promise<void> => {
    sessions.delete(s.id);
    return s.handler.close();
  };
  const cookieFor = (value: string, maxAge: number) =>
    `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=${CONSOLE_PATH}; Max-Age=${maxAge}${o.secure ? '; Secure' : ''}`;
  const page = (res: http.ServerResponse, status: number, message?: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...PAGE_HEADERS, ...extra }).end(signInPage(message));
  };

  const signIn = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!sameOriginForm(req)) {
      req.resume();
      return page(res, 403, 'Sign-in is accepted only from this server\'s own page.');
    }
    const form = await readForm(req);
    const accessKeyId = form?.get('accessKeyId')?.trim() ?? '';
    const secret = form?.get('secretAccessKey') ?? '';
    const client = req.socket.remoteAddress ?? '';
    const limited = limiter.refusal(client, accessKeyId);
    if (limited) {
      o.log?.(`console: sign-in refused (rate_limited)`);
      return page(res, 429, limited.message, { 'retry-after': String(limited.retryAfterSeconds) });
    }
    let auth: Authenticated;
    try {
      auth = await o.iam!.authenticateKey(accessKeyId, secret, o.region);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      limiter.failed(client, accessKeyId);
      o.log?.(`console: sign-in refused (${e.reason})`);
      return page(res, 401, e.message);
    }
    while (sessions.size >= MAX_SESSIONS) void end(sessions.values().next().value!);
    const id = randomBytes(24).toString('base64url');
    const user = auth.caller.userName ?? auth.caller.arn;
    const who = () => o.iam!.authenticateKey(accessKeyId, secret, o.region);
    const api = new SignedInDispatcher(o.backend, o.region, who, o.iam!, o.account, o.secure);
    // The proxies of a node or gateway are the user's to see when their policies allow describing it.
    const proxyFilter = async () => {
      const now = await who(); // today's policies, not those at sign-in
      return (p: ProxyResource) => {
        const operation = p.kind === 'virtualNode' ? 'DescribeVirtualNode' : 'DescribeVirtualGateway';
        const input = p.kind === 'virtualNode' ? { meshName: p.mesh, virtualNodeName: p.name } : { meshName: p.mesh, virtualGatewayName: p.name };
        const need = requiredPermission('appmesh', operation, input, { region: o.region, account: o.account, callerUser: now.caller.userName })!;
        try {
          o.iam!.authorize(now, need.action, need.resource, { 'aws:SecureTransport': String(o.secure) });
          return true;
        } catch (e) {
          if (e instanceof AuthError) return false;
          throw e;
        }
      };
    };
    const signOut = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      const s = sessions.get(id);
      // Its event streams end after this answer has gone out.
      if (s) res.once('finish', () => void end(s));
      sessions.delete(id);
      o.log?.(`console: ${user} signed out`);
      return { 'set-cookie': cookieFor('', 0) };
    };
    sessions.set(id, {
      id, accessKeyId, secret, user, expires: Date.now() + SESSION_MS,
      handler: handlerFor(api, `awsmesh serve (${o.region}) as ${user}`, { proxyFilter, user, signOut }),
    });
    o.log?.(`console: ${user} signed in`);
    res.writeHead(303, { location: `${CONSOLE_PATH}/`, 'set-cookie': cookieFor(id, SESSION_MS / 1000), 'cache-control': 'no-store' }).end();
  };

  /** The request's live session; a session whose key was deleted or deactivated ends here. */
  const sessionOf = async (req: http.IncomingMessage): Promise<Session | undefined> => {
    const id = cookie(req, COOKIE);
    const s = id ? sessions.get(id) : undefined;
    if (!s || !sameSecret(id, s.id)) return undefined;
    if (Date.now() > s.expires) return void (await end(s));
    try {
      await o.iam!.authenticateKey(s.accessKeyId, s.secret, o.region);
      return s;
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      o.log?.(`console: session of ${s.user} ended (${e.reason})`);
      return void (await end(s));
    }
  };

  return {
    async route(req, res) {
      const pathname = new URL(req.url ?? '/', 'http://console').pathname;
      if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
      if (open) return open.handle(req, res);
      if (pathname === `${CONSOLE_PATH}/sign-in`) {
        if (req.method === 'POST') await signIn(req, res);
        else page(res, 200);
        return true;
      }
      const session = await sessionOf(req);
      if (session) return session.handler.handle(req, res);
      req.resume();
      if (pathname.startsWith(`${CONSOLE_PATH}/api/`)) {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': cookieFor('', 0) })
          .end(JSON.stringify({ code: 'unauthenticated', message: 'Sign in again: the console session is missing, expired or its access key is no longer valid.' }));
      } else {
        // The page itself answers 200: a browser shows it (and logs no failed load).
        page(res, 200, undefined, { 'set-cookie': cookieFor('', 0) });
      }
      return true;
    },
    async close() {
      await Promise.all([...sessions.values()].map(end));
      await open?.close();
      await layouter.close();
    },
  };
}
