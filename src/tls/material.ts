// The certificate material of one TLS context (its own certificate, the peer trust bundle) and
// its reload rules, shared by the listener and the cluster side: resolve at start (a missing
// file rejects the configuration; a missing secret leaves the context warming), then re-resolve
// when the secret store reports a change, keeping the last good material if the new one fails.

import * as tls from 'tls';
import type { TlsSettings } from './envoy-tls';
import { SecretUnavailableError, type ResolvedCertificate, type ResolvedTrust, type SecretStore } from './secrets';

export interface Material {
  cert?: ResolvedCertificate;
  trust?: ResolvedTrust;
  options: tls.SecureContextOptions;
}

function sameMaterial(a: Material | undefined, b: Material): boolean {
  if (!a) return false;
  return a.cert?.chainPem === b.cert?.chainPem && a.cert?.keyPem === b.cert?.keyPem && a.trust?.pem === b.trust?.pem;
}

export abstract class TlsMaterial {
  material?: Material;
  private readonly unsubscribe: () => void;
  private lastProblem = '';

  constructor(
    readonly settings: TlsSettings,
    protected readonly secrets: SecretStore,
    protected readonly log: (line: string) => void,
    /** `listener lds_ingress_…` / `cluster cds_egress_…`, for log lines. */
    readonly where: string,
  ) {
    this.unsubscribe = secrets.onChange(() => this.reload());
  }

  /** Resolves the material; throws when the configuration cannot work (missing certificate file). */
  start(): void {
    try {
      this.reload(true);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The new material is in place (for example, a new secure context for new connections). */
  protected abstract install(m: Material): void;

  private resolve(): Material {
    const s = this.settings;
    const cert = s.certificate ? this.secrets.certificate(s.certificate) : undefined;
    const trust = s.trust ? this.secrets.trust(s.trust) : undefined;
    const options: tls.SecureContextOptions = {};
    if (cert) {
      options.cert = cert.chainPem;
      options.key = cert.keyPem;
    }
    if (trust) options.ca = trust.pem;
    return { cert, trust, options };
  }

  private reload(first = false): void {
    let next: Material;
    try {
      next = this.resolve();
    } catch (e) {
      if (!(e instanceof SecretUnavailableError)) throw e;
      if (first && !e.warming) throw new Error(`${this.where}: ${e.message}`);
      this.problem(`${this.where}: ${e.message}${this.material ? '; keeping the certificates loaded before' : '; TLS connections fail until it is available'}`);
      return;
    }
    if (sameMaterial(this.material, next)) return;
    try {
      this.install(next);
    } catch (e) {
      // A half-written or mismatched pair (certificate copied before its key): keep the old one.
      const msg = `${this.where}: the certificates do not load (${(e as Error).message})`;
      if (first) throw new Error(msg);
      this.problem(`${msg}; keeping the certificates loaded before`);
      return;
    }
    const rotated = this.material !== undefined;
    this.material = next;
    this.lastProblem = '';
    if (!first || rotated) {
      const serial = next.cert?.record?.serialNumber;
      this.log(`${this.where}: ${rotated ? 'new certificates loaded' : 'certificates available'}${serial ? ` (serial ${serial})` : ''}; new connections use them`);
    }
  }

  private problem(line: string): void {
    if (line === this.lastProblem) return;
    this.lastProblem = line;
    this.log(line);
  }

  close(): void {
    this.unsubscribe();
  }
}
