// Where a proxy's certificates come from, resolved the way App Mesh's sources work locally:
//
//   file   the path in the spec; when no such file exists, the local CA's certificate issued for
//          that path (`ca issue --certificate-chain-path … --private-key-path …`), so walkthrough
//          specs naming container paths such as /keys/… run unchanged
//   sds    the local CA's newest certificate issued under that secret name (SPIRE's role);
//          validation secrets are the local CA's root (the one trust domain)
//   acm    an ADS secret named by the ARN: the local CA's certificate issued for that ARN
//          (ACM is emulated); ACM PCA ARNs as trust mean the local CA's root
//
// Files and the CA directory are polled (fs.watchFile), so re-issued certificates and changed
// files reach running proxies without a restart; listeners re-resolve on onChange().

import * as fs from 'fs';
import { CaStore, type CertificateRecord } from './ca/store';
import type { CertRef, TrustRef } from './envoy-tls';

export interface ResolvedCertificate {
  chainPem: string;
  keyPem: string;
  /** The file the chain was read from (the spec's path, or the CA's copy). */
  path: string;
  /** How it was found, for logs: `file`, `local CA: sds secret x`, … */
  origin: string;
  /** Present when the local CA supplied it. */
  record?: CertificateRecord;
}

export interface ResolvedTrust {
  pem: string;
  path: string;
  origin: string;
}

/**
 * A source that cannot be used. `warming`: it may appear later (an SDS/ACM secret not issued
 * yet; Envoy keeps such a listener warming); otherwise the configuration is unusable (Envoy
 * rejects a missing certificate file).
 */
export class SecretUnavailableError extends Error {
  constructor(message: string, readonly warming: boolean) {
    super(message);
    this.name = 'SecretUnavailableError';
  }
}

const isArn = (name: string) => name.startsWith('arn:');

/**
 * One stat poller per path for the whole process (several proxies run in one `local up`),
 * fanned out to subscribers. Returns the unsubscribe.
 */
const pollers = new Map<string, Set<() => void>>();

function watchPath(p: string, intervalMs: number, fn: () => void): () => void {
  let subscribers = pollers.get(p);
  if (!subscribers) {
    const subs = new Set<() => void>();
    subscribers = subs;
    pollers.set(p, subs);
    fs.watchFile(p, { persistent: false, interval: intervalMs }, (curr, prev) => {
      if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) for (const f of [...subs]) f();
    });
  }
  const subs = subscribers;
  subs.add(fn);
  return () => {
    subs.delete(fn);
    if (subs.size === 0 && pollers.get(p) === subs) {
      pollers.delete(p);
      fs.unwatchFile(p);
    }
  };
}

function readIfExists(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretUnavailableError(`${p}: ${(e as Error).message}`, false);
  }
}

export class SecretStore {
  private readonly listeners = new Set<() => void>();
  private readonly watched = new Map<string, () => void>();
  private readonly said = new Set<string>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly ca: CaStore,
    private readonly log: (line: string) => void = () => undefined,
    private readonly pollMs = 250,
  ) {}

  /** Logs a line once per store (emulation notes would otherwise repeat on every reload). */
  private note(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.log(line);
  }

  certificate(ref: CertRef): ResolvedCertificate {
    if (ref.kind === 'inline') return { chainPem: ref.chain, keyPem: ref.key, path: '<inline>', origin: 'inline' };
    this.watchCa();
    if (ref.kind === 'file') {
      this.watch(ref.chain);
      this.watch(ref.key);
      const chainPem = readIfExists(ref.chain);
      const keyPem = readIfExists(ref.key);
      if (chainPem !== undefined && keyPem !== undefined) return { chainPem, keyPem, path: ref.chain, origin: 'file' };
      const record = this.ca.byChainPath(ref.chain);
      if (record && (keyPem === undefined || chainPem === undefined) && record.privateKeyPaths.includes(ref.key)) {
        this.note(`certificate file ${ref.chain} does not exist: using the local CA's certificate issued for that path (serial ${record.serialNumber})`);
        return { ...this.ca.readPair(record), path: record.certificatePath, origin: `local CA: issued for ${ref.chain}`, record };
      }
      const missing = chainPem === undefined ? ref.chain : ref.key;
      throw new SecretUnavailableError(
        `certificate file ${missing} does not exist, and the local CA issued nothing for it `
        + `(awsmesh local ca issue … --certificate-chain-path ${ref.chain} --private-key-path ${ref.key})`, false,
      );
    }
    const records = this.ca.records();
    const record = isArn(ref.name) ? this.ca.byAcmArn(ref.name, records) : this.ca.bySecretName(ref.name, records);
    if (!record) {
      const how = isArn(ref.name) ? `--acm-arn ${ref.name}` : `--secret-name ${ref.name}`;
      throw new SecretUnavailableError(
        `${isArn(ref.name) ? 'ACM certificate' : 'SDS secret'} ${ref.name} is not in the local CA yet (awsmesh local ca issue … ${how})`, true,
      );
    }
    if (isArn(ref.name)) {
      this.note(`ACM is emulated: certificate ${ref.name} is the local CA's certificate issued for that ARN (serial ${record.serialNumber})`);
    }
    const origin = isArn(ref.name) ? `local CA: emulated ACM ${ref.name}` : `local CA: sds secret ${ref.name}`;
    return { ...this.ca.readPair(record), path: record.certificatePath, origin, record };
  }

  trust(ref: TrustRef): ResolvedTrust {
    if (ref.kind === 'inline') return { pem: ref.pem, path: '<inline>', origin: 'inline' };
    this.watchCa();
    if (ref.kind === 'file') {
      this.watch(ref.path);
      const pem = readIfExists(ref.path);
      if (pem !== undefined) return { pem, path: ref.path, origin: 'file' };
      if (this.ca.initialised() && this.ca.isTrustPath(ref.path)) {
        this.note(`trust file ${ref.path} does not exist: using the local CA's root, recorded for that path`);
        return { pem: this.ca.rootPem(), path: this.ca.rootCertPath, origin: `local CA root: for ${ref.path}` };
      }
      throw new SecretUnavailableError(
        `trust file ${ref.path} does not exist, and the local CA has no root recorded for it (awsmesh local ca issue … --trust-chain-path ${ref.path})`, false,
      );
    }
    if (!this.ca.initialised()) {
      throw new SecretUnavailableError(`validation secret ${ref.name}: the local CA is not initialised yet (awsmesh local ca init)`, true);
    }
    if (isArn(ref.name)) this.note(`ACM is emulated: ${ref.name} as a trust anchor is the local CA's root`);
    return { pem: this.ca.rootPem(), path: this.ca.rootCertPath, origin: `local CA root: ${isArn(ref.name) ? 'emulated ACM' : 'sds secret'} ${ref.name}` };
  }

  /** Calls `fn` (debounced) after any watched file or the CA changes. Returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private watchCa(): void {
    this.watch(this.ca.issuedDir);
    this.watch(this.ca.rootCertPath);
  }

  private watch(p: string): void {
    if (this.watched.has(p) || this.closed) return;
    this.watched.set(p, watchPath(p, this.pollMs, () => this.changed()));
  }

  private changed(): void {
    if (this.timer || this.closed) return;
    // Several files change together (a re-issue writes a directory; users copy cert and key).
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const fn of [...this.listeners]) fn();
    }, 50);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const unwatch of this.watched.values()) unwatch();
    this.watched.clear();
    this.listeners.clear();
  }
}
