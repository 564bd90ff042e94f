// `awsmesh local serve`: option checking, start-up, the ready line on stdout, and a clean shutdown
// on SIGINT/SIGTERM. The command module (src/cli/commands/local-serve.ts) loads this lazily.

import * as fs from 'fs';
import * as path from 'path';
import { isLoopback } from '../base/loopback';
import type { App } from '../core/app';
import { GeneralError, UsageError } from '../base/errors';
import { InputFileError, readInputText } from '../base/input-file';
import { ListenerGuard } from '../base/listener-guard';
import { DEFAULT_MAX_BODY_BYTES, startServer, type RunningServer } from './http-server';
import { lineBatch } from './line-batch';
import type { Credentials } from './sigv4';
import type { AdsServerHandle } from '../xds';
import { startXdsBeside } from './xds-bridge';
import { untilSignal } from '../base/signals';

export interface ServeFlags {
  host: string;
  port: string;
  maxBodyBytes?: string;
  verifySignatures?: boolean;
  accessKey?: string;
  /** Refused: a secret on the command line is visible to every user (ps, /proc/PID/cmdline). */
  secretKey?: string;
  secretKeyFile?: string;
  xdsPort?: string;
  quiet?: boolean;
  allowReset?: boolean;
  allowBrowserOrigins?: boolean;
  allowOtherUsers?: boolean;
  allowHost?: string[];
}

/** Where the secret of --access-key may come from instead of argv. */
export const SECRET_KEY_ENV = 'AWSMESH_SECRET_ACCESS_KEY';

/** The secret of --access-key: from --secret-key-file (readable by its owner only) or the environment. */
function secretKey(app: App, flags: ServeFlags): string | undefined {
  if (flags.secretKey !== undefined) {
    throw new UsageError(
      '--secret-key would put the secret on the command line, where every user of this machine can read it (ps). ' +
        `Put it in a file only you can read and give --secret-key-file FILE, or set ${SECRET_KEY_ENV}.`,
    );
  }
  if (flags.secretKeyFile === undefined) return app.env[SECRET_KEY_ENV] || undefined;
  const file = path.resolve(app.io.cwd, flags.secretKeyFile);
  let text: string;
  try {
    text = readInputText(file);
  } catch (e) {
    throw new UsageError(`argument --secret-key-file: cannot read ${flags.secretKeyFile}: ${e instanceof InputFileError ? e.reason : (e as Error).message}`);
  }
  const mode = fs.statSync(file).mode;
  if (process.geteuid && mode & 0o077) {
    throw new UsageError(`argument --secret-key-file: ${flags.secretKeyFile} is readable by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  return text.trim();
}

function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`argument --${name}: expected an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

export function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Keys signatures are checked against: the flags, else what the AWS CLI would sign with. */
function verificationCredentials(app: App, flags: ServeFlags): Credentials[] {
  const secret = secretKey(app, flags);
  if (flags.accessKey || flags.secretKeyFile) {
    if (!flags.accessKey || !secret) throw new UsageError(`--access-key and its secret (--secret-key-file or ${SECRET_KEY_ENV}) must be given together`);
    return [{ accessKeyId: flags.accessKey, secretAccessKey: secret }];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planCredentials } = require('../backends/aws/credentials') as typeof import('../backends/aws/credentials');
  const plan = planCredentials({ env: app.env, profile: app.profile(), profileFlag: app.globals.profile, signRequest: true });
  if (plan.kind !== 'static') {
    throw new UsageError(
      `--verify-signatures needs a key pair: give --access-key with --secret-key-file or ${SECRET_KEY_ENV}, or set aws_access_key_id/aws_secret_access_key ` +
        `in the active profile ('${app.profile().name}') or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
  return [{ accessKeyId: plan.credentials.accessKeyId, secretAccessKey: plan.credentials.secretAccessKey }];
}

export async function runServe(app: App, flags: ServeFlags, stop: Promise<unknown> = untilSignal()): Promise<void> {
  const io = app.io;
  const host = flags.host;
  const port = intOption('port', flags.port, 0, 65535);
  const maxBodyBytes = flags.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : intOption('max-body-bytes', flags.maxBodyBytes, 1, 1 << 30);
  const xdsPort = flags.xdsPort === undefined ? undefined : intOption('xds-port', flags.xdsPort, 0, 65535);
  if (flags.secretKey !== undefined) secretKey(app, flags);
  if ((flags.accessKey || flags.secretKeyFile) && !flags.verifySignatures) {
    throw new UsageError('--access-key/--secret-key-file only make sense with --verify-signatures');
  }
  const credentials = flags.verifySignatures ? verificationCredentials(app, flags) : undefined;
  const defaultRegion = app.region();
  if (!isLoopback(host)) {
    io.stderr.write(
      `warning: listening on ${host}, not loopback: anyone who can reach this address can read and change your local mesh` +
        `${credentials ? '' : ' (consider --verify-signatures)'}.\n`,
    );
  }

  const backend = await app.localBackend();
  const accessLog = lineBatch(io.stderr);
  /** Other stderr messages follow the request lines logged before them. */
  const note = (text: string) => {
    accessLog.flush();
    io.stderr.write(text);
  };
  let server: RunningServer | undefined;
  let xds: AdsServerHandle | undefined;
  try {
    // A store that cannot be used (unreachable, login refused, newer schema) stops the start here.
    await backend.store.ping();
    let lastUnavailableLog = 0;
    try {
      server = await startServer({
        backend,
        host,
        port,
        maxBodyBytes,
        defaultRegion,
        credentials,
        version: packageVersion(),
        log: flags.quiet ? undefined : accessLog.line,
        onInternalError: (err) => note(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`),
        onStoreUnavailable: (err) => {
          // Once a second at most: every request fails the same way while the database is away.
          if (Date.now() - lastUnavailableLog < 1000) return;
          lastUnavailableLog = Date.now();
          note(`store unavailable (answering 503): ${err.message}\n`);
        },
        health: () => ({ store: backend.store.location, defaultRegion, ...(xds ? { xds: { port: xds.port, clients: xds.status().clients.length } } : {}) }),
        reset: flags.allowReset ? () => backend.store.reset() : undefined,
        allowBrowserOrigins: Boolean(flags.allowBrowserOrigins),
        // Verified signatures authenticate every request, so other users may connect then.
        guard: new ListenerGuard({
          allowOtherUsers: Boolean(flags.allowOtherUsers || credentials),
          allowedHosts: flags.allowHost,
          allowCrossSite: Boolean(flags.allowBrowserOrigins),
        }),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new GeneralError(`Could not listen on ${host}:${port}: ${why}`);
    }
    if (xdsPort !== undefined) {
      try {
        // xDS streams carry no signature: only --allow-other-users opens them (and the TLS keys they serve) to other users.
        const peers = new ListenerGuard({ allowOtherUsers: Boolean(flags.allowOtherUsers) });
        xds = await startXdsBeside({ host, port: xdsPort, backend, region: defaultRegion, io, peers });
      } catch (err) {
        throw new GeneralError(`Could not start the xDS server on ${host}:${xdsPort}: ${(err as Error).message}`);
      }
    }
    io.stdout.write(`listening on ${server.url}\n`);
    if (xds) io.stdout.write(`xds listening on ${xds.address}\n`);
    const users = flags.allowOtherUsers ? 'every user of this machine' : credentials ? 'every user who signs' : 'your processes only';
    io.stderr.write(`awsmesh local serve: state in ${backend.store.location}; default region ${defaultRegion}; ` +
      `signatures ${credentials ? 'verified' : 'not checked'}; serving ${users}; Ctrl-C to stop\n`);

    const sig = await stop;
    note(`${typeof sig === 'string' ? `${sig}: ` : ''}shutting down\n`);
  } finally {
    await xds?.close();
    await server?.close();
    accessLog.flush();
    await backend.close();
  }
}
