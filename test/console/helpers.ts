// Console tests: `awsmesh console` as a real child process, and Debian's Chromium (/usr/bin/chromium)
// driven headless by playwright-core — never a downloaded browser. Without Chromium the browser
// tests say so and do nothing.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import { BIN, ROOT } from '../helpers/run-cli';
import { withDeadline } from '../helpers/wait';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumUnavailable(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `Chromium is not installed (${CHROMIUM}; apt-get install -y chromium)`;
}

/** `test`, or a test that only prints why it did nothing. */
export function browserTest(): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  const why = chromiumUnavailable();
  return why ? (name) => test(name, () => console.log(`not run: ${why}`)) : (name, fn, timeout) => test(name, fn, timeout);
}

/** Screenshots go to test-output/console/ (gitignored) so they outlive the run's temp dir. */
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'console');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the pages. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** ignoreHTTPSErrors: for a server whose certificate the local CA issued (Chromium has no trust store to add it to here). */
export async function launchBrowser(opts: { ignoreHTTPSErrors?: boolean } = {}): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 860 },
    timeout: 60_000,
    ignoreHTTPSErrors: opts.ignoreHTTPSErrors,
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? await context.newPage();
  watch(page);
  // Generous: a deadline only bounds how long a failure takes to show on a loaded machine.
  page.setDefaultTimeout(45_000);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context, page, errors,
    async screenshot(name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ConsoleProcess {
  child: ChildProcess;
  /** The printed address, with the token. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** `awsmesh console --port 0 …`, waiting for its "console listening on" line (or its exit). */
export function startConsole(args: string[], env: NodeJS.ProcessEnv): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [BIN, 'console', '--port', '0', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return withDeadline(new Promise<ConsoleProcess>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^console listening on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)\n/m.exec(out);
      if (m) resolve({ child, url: m[1], origin: `http://127.0.0.1:${m[2]}`, port: Number(m[2]), stderr: () => err, stop });
    });
    void exited.then((code) => reject(new Error(`awsmesh console exited with ${code} before listening:\n${err}`)));
  }), { describe: 'awsmesh console to listen', timeoutMs: 60_000, observe: () => err }).catch(async (e) => {
    await stop();
    throw e;
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One plain HTTP request to the console (for the security checks a browser would not let us make). */
export function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Exchanges the printed URL's token for the session cookie, as a browser's first visit does. */
export async function sessionCookie(c: ConsoleProcess): Promise<string> {
  const r = await request(c.port, new URL(c.url).pathname + new URL(c.url).search);
  const set = String(r.headers['set-cookie'] ?? '');
  return set.split(';')[0];
}

/**
 * Requests through a mesh at a steady pace until stopped: `GET /` on an ingress with the given
 * Host header, a few in flight. Counts answers by status.
 */
export function steadyTraffic(port: number, host: string, perSecond = 40): { stop(): Promise<Map<number, number>> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const statuses = new Map<number, number>();
  let stopped = false;
  const one = () => new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
        resolve();
      });
    });
    req.on('error', () => {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
      resolve();
    });
  });
  const loop = (async () => {
    const gap = 1000 / perSecond;
    while (!stopped) {
      const t0 = Date.now();
      await one();
      // Pacing the load generator, not deciding anything: a steady trickle keeps the rates non-zero.
      await new Promise((r) => setTimeout(r, Math.max(0, gap - (Date.now() - t0))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      agent.destroy();
      return statuses;
    },
  };
}
