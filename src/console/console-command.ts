// `awsmesh console [--port 0] [--open] [--mesh M] [--xds-address H:P] [--interval S]`: the console on
// 127.0.0.1 against whatever backend the CLI would use, until Ctrl-C.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { App } from '../core/app';
import { GeneralError, UsageError } from '../base/errors';
import { writeNewFile } from '../base/private-file';
import { untilSignal } from '../base/signals';
import { portOption } from '../dataplane/proxy-command';
import { secondsOption } from '../observability/mesh-source';
import { bundleMissing, createConsoleHandler } from './handler';
import { startConsoleServer } from './server';
import { sourceFromApp } from './source';

export interface ConsoleFlags {
  port?: string;
  open?: boolean;
  mesh?: string;
  xdsAddress?: string;
  interval?: string;
}

/**
 * Opens the URL in the desktop's browser without putting the token on a command line (other users
 * see argv): a 0600 page in a private temp dir redirects to it. Returns the clean-up: the page goes
 * half a minute after the opener ran, or when the console stops.
 */
function openInBrowser(url: string, log: (line: string) => void): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-console-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const file = path.join(dir, 'open.html');
  writeNewFile(file, `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><script>location.replace(${JSON.stringify(url)})</script>\n`);
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [file], { stdio: 'ignore', detached: true });
  child.on('error', (e) => {
    log(`Could not start ${opener} (${e.message}); open the address above yourself.`);
    remove();
  });
  child.on('exit', () => setTimeout(remove, 30_000).unref());
  child.unref();
  return remove;
}

export async function runConsole(app: App, flags: ConsoleFlags, stop: Promise<unknown> = untilSignal()): Promise<void> {
  const port = portOption('port', flags.port) ?? 0;
  const interval = secondsOption('interval', flags.interval, 1);
  if (flags.xdsAddress !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(flags.xdsAddress)) {
    throw new UsageError(`argument --xds-address: expected host:port, got '${flags.xdsAddress}'`);
  }
  const missing = bundleMissing();
  if (missing) throw new GeneralError(missing);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../../package.json') as { version: string }).version;
  const source = await sourceFromApp(app, { xdsAddress: flags.xdsAddress, version });
  if (flags.mesh !== undefined) await source.api.call('appmesh', 'DescribeMesh', { meshName: flags.mesh });
  const handler = createConsoleHandler({ source, intervalSeconds: interval, mesh: flags.mesh });
  let server;
  try {
    server = await startConsoleServer({ handler, port });
  } catch (e) {
    await handler.close();
    throw new GeneralError(`Could not start the console on 127.0.0.1:${port}: ${(e as Error).message}`);
  }
  app.io.stdout.write(`console listening on ${server.url}\n`);
  app.io.stderr.write(`Open that address in a browser (it carries this run's access token). API calls go to ${source.label}${source.xds ? `; xDS status from ${source.xds.address}` : ''}. Ctrl-C stops it.\n`);
  void handler.prefetch();
  const forgetPage = flags.open ? openInBrowser(server.url, (line) => app.io.stderr.write(`${line}\n`)) : undefined;
  try {
    await stop;
  } finally {
    forgetPage?.();
    await handler.close();
    await server.close();
  }
}
