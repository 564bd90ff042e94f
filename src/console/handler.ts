// The console as one request handler that any HTTP server can mount under a path: the page and
// its bundle, the JSON API the page calls, and the event stream that pushes topology, rates and
// proxy state. Who may use it is the host server's business (`awsmesh console` checks its per-run
// token; `awsmesh serve` its own authentication); what any host gets from here is the browser-side
// protection of guard.ts.

import { randomBytes } from 'crypto';
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import { discoverProxies } from '../observability/discovery';
import type { ConsoleInfo, WeightChange } from './api-types';
import { checkBrowserRequest, loopbackHost } from './guard';
import { Layouter } from './layout';
import { LiveFeed, type Topic } from './live-feed';
import { MeshData } from './mesh-data';
import { ConsoleProblem, problemOf } from './problems';
import { proxiesView } from './proxies';
import { resourceDetail, resourceList } from './resources';
import { RouteEditor } from './route-editor';
import type { ConsoleSource } from './source';
import { startLayout, topologyOf } from './topology';

export interface ConsoleHandlerOptions {
  source: ConsoleSource;
  /** Where the console is mounted ('' at the root, '/console' under `serve`). */
  basePath?: string;
  /** Host header values that name this server (default: loopback names). */
  allowedHost?: (host: string) => boolean;
  /** Seconds between two readings of the proxies (the rates' window). */
  intervalSeconds?: number;
  /** The mesh shown first (default: one with running proxies, else the first). */
  mesh?: string;
  /**
   * The host's sign-out (`awsmesh serve`): ends the session of `req` and returns the headers that
   * clear its cookie. Offered to the page as POST api/sign-out, a write like any other (guard.ts).
   */
  signOut?: (req: http.IncomingMessage, res: http.ServerResponse) => Record<string, string>;
  /** Shown in the header: who is signed in. */
  user?: string;
  /** A layouter shared with other handlers (its owner closes it); default: the handler's own, caching on disk under the source's home. */
  layouter?: Layouter;
}

/** Where a console keeps the layouts it computed, so a restart does not lay a large mesh out again. */
export function layoutCacheDir(home: string): string {
  return path.join(home, 'console', 'layouts');
}

export interface ConsoleHandler {
  /** Answers a request under basePath; false when the path is not the console's. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** Loads the layout library and lays out the first mesh ahead of the first page (errors are left for the page). */
  prefetch(): Promise<void>;
  close(): Promise<void>;
}

/** The browser bundle, built by scripts/build-console.js (from dist/console/ or src/console/ alike). */
export const BUNDLE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console-web');
const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };
const MAX_BODY = 64 * 1024;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function bundleMissing(): string | undefined {
  const missing = ['index.html', ...Object.keys(ASSETS)].filter((f) => !fs.existsSync(path.join(BUNDLE_DIR, f)));
  return missing.length ? `The console's browser bundle is missing (${missing.join(', ')} in ${BUNDLE_DIR}): run \`npm run build\`.` : undefined;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) return void chunks.push(c);
      // Answer at once and discard the rest; a client that keeps sending far more loses the connection.
      req.off('data', collect);
      let discarded = 0;
      req.on('data', (d: Buffer) => {
        discarded += d.length;
        if (discarded > 16 * MAX_BODY) req.socket.destroy();
      });
      reject(new ConsoleProblem(413, 'invalid', `The request body is larger than ${MAX_BODY} bytes.`));
    };
    req.on('data', collect);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ConsoleProblem(400, 'invalid', 'The request body is not valid JSON.'));
      }
    });
    req.on('error', reject);
  });
}

function param(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) throw new ConsoleProblem(400, 'invalid', `The ${name} parameter is missing.`);
  return v;
}

export function createConsoleHandler(opts: ConsoleHandlerOptions): ConsoleHandler {
  const base = (opts.basePath ?? '').replace(/\/+$/, '');
  const allowedHost = opts.allowedHost ?? loopbackHost;
  const csrf = randomBytes(24).toString('base64url');
  const intervalSeconds = opts.intervalSeconds ?? 1;
  const layouter = opts.layouter ?? new Layouter({ cacheDir: layoutCacheDir(opts.source.home) });
  // The layout (in its worker) starts while this thread analyses the mesh.
  const data = new MeshData(opts.source, intervalSeconds * 1000, (snapshot) => startLayout(snapshot, layouter));
  const feed = new LiveFeed(data, layouter, intervalSeconds * 1000);
  const editor = new RouteEditor(data);
  let files: Map<string, Buffer> | undefined;

  const asset = (name: string): Buffer => {
    if (!files) {
      const missing = bundleMissing();
      if (missing) throw new ConsoleProblem(500, 'internal', missing);
      files = new Map(['index.html', ...Object.keys(ASSETS)].map((f) => [f, fs.readFileSync(path.join(BUNDLE_DIR, f))]));
    }
    return files.get(name)!;
  };

  const info = async (): Promise<ConsoleInfo> => {
    const meshes = await data.listMeshes();
    const running = [...new Set(discoverProxies(opts.source.home).filter((p) => p.running).map((p) => p.mesh))];
    const defaultMesh = opts.mesh ?? meshes.find((m) => running.includes(m)) ?? meshes[0];
    return {
      version: opts.source.version, backend: opts.source.label, region: opts.source.api.region, meshes, defaultMesh,
      ...(opts.source.xds ? { xds: opts.source.xds.address } : {}), intervalSeconds,
      ...(opts.signOut ? { signOut: true } : {}), ...(opts.user ? { user: opts.user } : {}),
    };
  };

  const api = async (req: http.IncomingMessage, res: http.ServerResponse, route: string, url: URL): Promise<boolean> => {
    switch (`${req.method} ${route}`) {
      case 'GET info': sendJson(res, 200, await info()); return true;
      case 'GET topology': sendJson(res, 200, await topologyOf(await data.state(param(url, 'mesh')), layouter)); return true;
      case 'GET resources': sendJson(res, 200, await resourceList(data, param(url, 'mesh'))); return true;
      case 'GET resource': sendJson(res, 200, await resourceDetail(data, param(url, 'mesh'), param(url, 'key'))); return true;
      case 'GET route': sendJson(res, 200, await editor.view(param(url, 'mesh'), param(url, 'router'), param(url, 'route'))); return true;
      case 'GET proxies': sendJson(res, 200, await proxiesView(opts.source, url.searchParams.get('mesh') || undefined)); return true;
      case 'POST route/preview': sendJson(res, 200, await editor.preview(await readJson(req) as WeightChange)); return true;
      case 'POST route/apply': sendJson(res, 200, await editor.apply(await readJson(req) as WeightChange)); return true;
      case 'POST sign-out': {
        if (!opts.signOut) throw new ConsoleProblem(404, 'NotFound', 'This console has no sign-in to end (it is opened with its per-run address).');
        req.resume();
        const headers = opts.signOut(req, res);
        send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ signedOut: true }), headers);
        return true;
      }
      case 'GET events': {
        const mesh = param(url, 'mesh');
        const topics = new Set((url.searchParams.get('topics') ?? 'topology').split(',').filter((t): t is Topic => t === 'topology' || t === 'proxies'));
        // The mesh must exist: a typo answers 404 instead of an empty stream.
        await data.state(mesh);
        feed.subscribe(req, res, mesh, topics);
        return true;
      }
      default:
        throw new ConsoleProblem(404, 'NotFound', `No console API ${req.method} ${route}.`);
    }
  };

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://console');
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
      const rel = url.pathname.slice(base.length);
      try {
        const refused = checkBrowserRequest(req, allowedHost, csrf);
        if (refused) throw new ConsoleProblem(refused.status, 'refused', refused.message);
        if (rel === '') {
          // The page's relative URLs (app.js, api/…) need the trailing slash.
          res.writeHead(308, { ...SECURITY_HEADERS, location: `${base}/${url.search}` }).end();
          return true;
        }
        if (rel === '/' || rel === '/index.html') {
          if (req.method !== 'GET') throw new ConsoleProblem(405, 'invalid', `${req.method} is not allowed.`);
          const html = asset('index.html').toString('utf8').replace('%CSRF_TOKEN%', csrf);
          send(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': CSP });
          return true;
        }
        const name = rel.slice(1);
        if (ASSETS[name] && req.method === 'GET') {
          send(res, 200, ASSETS[name], asset(name), { 'cache-control': 'no-cache' });
          return true;
        }
        if (rel.startsWith('/api/')) return await api(req, res, rel.slice('/api/'.length), url);
        throw new ConsoleProblem(404, 'NotFound', `${url.pathname} is not part of the console.`);
      } catch (e) {
        const { status, body } = problemOf(e);
        if (status === 413) res.shouldKeepAlive = false;
        if (!res.headersSent) sendJson(res, status, body);
        else res.end();
        return true;
      }
    },
    async prefetch() {
      try {
        // ELK loads in its worker while this thread reads the mesh: on two cores the two overlap.
        const warm = layouter.warm().catch(() => undefined);
        const mesh = (await info()).defaultMesh;
        const state = mesh ? await data.state(mesh) : undefined;
        await warm;
        if (state) await topologyOf(state, layouter);
      } catch {
        // The page asks again and shows what went wrong.
      }
    },
    async close() {
      feed.close();
      data.close();
      if (!opts.layouter) await layouter.close();
    },
  };
}
