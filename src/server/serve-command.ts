// `awsmesh local serve`: option checking, start-up, the ready line on stdout, and a clean shutdown
// on SIGINT/SIGTERM. The command module (src/cli/commands/local-serve.ts) loads this lazily.

import * as fs from 'fs';
import * as path from 'path';
import { isLoopback } from '../base/loopback';
import type { App } from '../core/app';
import { GeneralError, UsageError } from '../base/errors';
import { DEFAULT_MAX_BODY_BYTES, startServer, type RunningServer } from './http-server';
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
  secretKey?: string;
  xdsPort?: string;
  quiet?: boolean;
  allowReset?: boolean;
  allowBrowserOrigins?: boolean;
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
  if (flags.accessKey || flags.secretKey) {
    if (!flags.accessKey || !flags.secretKey) throw new UsageError('--access-key and --secret-key must be given together');
    return [{ accessKeyId: flags.accessKey, secretAccessKey: flags.secretKey }];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { planCredentials } = require('../backends/aws/credentials') as typeof import('../backends/aws/credentials');
  const plan = planCredentials({ env: app.env, profile: app.profile(), profileFlag: app.globals.profile, signRequest: true });
  if (plan.kind !== 'static') {
    throw new UsageError(
      '--verify-signatures needs a key pair: give --access-key and --secret-key, or set aws_access_key_id/aws_secret_access_key ' +
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
  if ((flags.accessKey || flags.secretKey) && !flags.verifySignatures) {
    throw new UsageError('--access-key/--secret-key only make sense with --verify-signatures');
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
        log: flags.quiet ? undefined : (line) => io.stderr.write(`${line}\n`),
        onInternalError: (err) => io.stderr.write(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`),
        onStoreUnavailable: (err) => {
          // Once a second at most: every request fails the same way while the database is away.
          if (Date.now() - lastUnavailableLog < 1000) return;
          lastUnavailableLog = Date.now();
          io.stderr.write(`store unavailable (answering 503): ${err.message}\n`);
        },
        health: () => ({ store: backend.store.location, defaultRegion, ...(xds ? { xds: { port: xds.port, clients: xds.status().clients.length } } : {}) }),
        reset: flags.allowReset ? () => backend.store.reset() : undefined,
        allowBrowserOrigins: Boolean(flags.allowBrowserOrigins),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new GeneralError(`Could not listen on ${host}:${port}: ${why}`);
    }
    if (xdsPort !== undefined) {
      try {
        xds = await startXdsBeside({ host, port: xdsPort, backend, region: defaultRegion, io });
      } catch (err) {
        throw new GeneralError(`Could not start the xDS server on ${host}:${xdsPort}: ${(err as Error).message}`);
      }
    }
    io.stdout.write(`listening on ${server.url}\n`);
    if (xds) io.stdout.write(`xds listening on ${xds.address}\n`);
    io.stderr.write(`awsmesh local serve: state in ${backend.store.location}; default region ${defaultRegion}; ` +
      `signatures ${credentials ? 'verified' : 'not checked'}; Ctrl-C to stop\n`);

    const sig = await stop;
    io.stderr.write(`${typeof sig === 'string' ? `${sig}: ` : ''}shutting down\n`);
  } finally {
    await xds?.close();
    await server?.close();
    await backend.close();
  }
}
