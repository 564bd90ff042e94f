// The certificate `awsmesh serve` presents on the API and xDS ports: PEM files (re-read when they
// change, so a renewed certificate is used for new connections while open streams carry on), or
// one issued by the local CA for the given host names. TLS 1.2 is the oldest version offered.

import * as fs from 'fs';
import * as grpc from '@grpc/grpc-js';
import type { SecureContextOptions } from 'tls';
import { GeneralError } from '../../base/errors';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** CA bundle client certificates must chain to (mTLS), when asked for. */
  clientCa?: string;
  /** Where it came from, for the start-up line. */
  source: string;
  /** Files to watch for renewal. */
  files: string[];
}

export function secureContextOptions(m: TlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, ...(m.clientCa ? { ca: m.clientCa } : {}), minVersion: 'TLSv1.2' };
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new GeneralError(`Could not read the TLS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Loads the certificate the options name (issuing one from the local CA when asked). */
export async function loadTls(
  o: { tlsCert?: string; tlsKey?: string; tlsHostname?: string[]; clientCa?: string }, env: NodeJS.ProcessEnv,
): Promise<TlsMaterial | undefined> {
  if (!o.tlsCert && !o.tlsHostname) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CaStore } = require('../../tls/ca/store') as typeof import('../../tls/ca/store');
  const ca = CaStore.forEnv(env);
  let clientCa: string | undefined;
  const files: string[] = [];
  if (o.clientCa === 'local') {
    await ca.init();
    clientCa = ca.rootPem();
    files.push(ca.rootCertPath);
  } else if (o.clientCa) {
    clientCa = readPem(o.clientCa, 'client CA bundle');
    files.push(o.clientCa);
  }
  if (o.tlsCert) {
    files.push(o.tlsCert, o.tlsKey!);
    return { cert: readPem(o.tlsCert, 'certificate'), key: readPem(o.tlsKey!, 'key'), clientCa, source: o.tlsCert, files };
  }
  const names = o.tlsHostname!;
  // A fresh home (a container's first start) gets its CA here; concurrent starts on a shared
  // volume agree on one (init keeps the CA another process created first).
  await ca.init();
  const current = ca.current((r) => !r.mesh && r.subjectAlternativeNames.join(',') === names.map((n) => `DNS:${n}`).join(',') && Date.parse(r.notAfter) > Date.now() + 7 * 86_400_000);
  const record = current ?? await ca.issue({ commonName: names[0], dns: names, uris: [], days: 90, describe: { secretNames: [], acmArns: [], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [] } });
  const pair = ca.readPair(record);
  files.push(record.certificatePath, record.privateKeyPath);
  return { cert: `${pair.chainPem}`, key: pair.keyPem, clientCa, source: `the local CA (${names.join(', ')}, serial ${record.serialNumber}; proxies trust ${ca.rootCertPath})`, files };
}

/** Calls `onChange` with fresh material whenever one of its files changes (polled, works on every filesystem). */
export function watchTls(m: TlsMaterial, reload: () => Promise<TlsMaterial | undefined>, onChange: (m: TlsMaterial) => void, onError: (e: Error) => void, intervalMs = 1000): () => void {
  let busy = false;
  const listener = () => {
    if (busy) return;
    busy = true;
    reload().then((fresh) => fresh && onChange(fresh), onError).finally(() => {
      busy = false;
    });
  };
  for (const f of m.files) fs.watchFile(f, { interval: intervalMs, persistent: false }, listener);
  return () => {
    for (const f of m.files) fs.unwatchFile(f, listener);
  };
}

/**
 * gRPC server credentials whose certificate can be replaced: grpc-js hands new secure contexts
 * to its listeners, so new connections get the new certificate and open streams are untouched.
 */
export class ReloadableServerCredentials extends grpc.ServerCredentials {
  constructor(m: TlsMaterial) {
    super({ requestCert: Boolean(m.clientCa), rejectUnauthorized: false, minVersion: 'TLSv1.2' }, secureContextOptions(m));
  }

  update(m: TlsMaterial): void {
    this.updateSecureContextOptions(secureContextOptions(m));
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
