// The local certificate authority on disk, under $AWSMESH_HOME/ca (directories 0700, private
// keys 0600):
//
//   ca/root/ca.pem, ca/root/ca.key.pem        the self-signed root (the mesh's trust bundle)
//   ca/issued/<serial>/cert.pem, key.pem      one issued certificate each,
//   ca/issued/<serial>/meta.json              with what it stands for: SANs, SDS secret names,
//                                             emulated ACM ARNs, spec file paths it answers to
//
// Entries appear atomically (written to a temporary directory, then renamed), so a proxy that
// watches the directory never reads half a certificate. Re-issuing for the same secret name,
// ARN or path adds a newer entry; the newest one is current.

import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ensurePrivateHome, localSettings } from '../../backends/local/settings';
import { PRIVATE_MODE, writeNewFile } from '../../base/private-file';

export interface CertificateRecord {
  serialNumber: string;
  subject: string;
  /** `DNS:name` / `URI:spiffe://…`, in certificate order. */
  subjectAlternativeNames: string[];
  notBefore: string;
  notAfter: string;
  issuedAt: string;
  mesh?: string;
  virtualNode?: string;
  virtualGateway?: string;
  /** SDS secret names this certificate is served under. */
  secretNames: string[];
  /** ACM certificate ARNs it stands in for. */
  acmArns: string[];
  /** Spec paths (`file.certificateChain` / `file.privateKey`) it answers to when no such file exists. */
  certificateChainPaths: string[];
  privateKeyPaths: string[];
  /** Spec trust paths (`trust.file.certificateChain`) that mean this CA's root. */
  trustChainPaths: string[];
  /** Where the CA keeps the certificate and its key. */
  certificatePath: string;
  privateKeyPath: string;
}

export type RecordFields = Omit<CertificateRecord, 'certificatePath' | 'privateKeyPath'>;

export interface RootInfo {
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  certificatePath: string;
}

const ROOT_DAYS = 3650;
const ROOT_NAME = 'awsmesh local CA';

export class CaNotInitialisedError extends Error {}

/** Where the local CA of an AWSMESH_HOME lives. */
export function caDir(home: string): string {
  return path.join(home, 'ca');
}

export class CaStore {
  readonly rootDir: string;
  readonly issuedDir: string;

  constructor(readonly dir: string) {
    this.rootDir = path.join(dir, 'root');
    this.issuedDir = path.join(dir, 'issued');
  }

  static forHome(home: string): CaStore {
    return new CaStore(caDir(home));
  }

  /** The CA of the AWSMESH_HOME this environment names. */
  static forEnv(env: NodeJS.ProcessEnv): CaStore {
    return CaStore.forHome(localSettings(env).home);
  }

  get rootCertPath(): string {
    return path.join(this.rootDir, 'ca.pem');
  }

  get rootKeyPath(): string {
    return path.join(this.rootDir, 'ca.key.pem');
  }

  initialised(): boolean {
    return fs.existsSync(this.rootCertPath) && fs.existsSync(this.rootKeyPath);
  }

  rootPem(): string {
    if (!fs.existsSync(this.rootCertPath)) throw new CaNotInitialisedError(`the local CA is not initialised (${this.dir}): run awsmesh local ca init`);
    return fs.readFileSync(this.rootCertPath, 'utf8');
  }

  rootInfo(): RootInfo {
    const c = new X509Certificate(this.rootPem());
    return {
      subject: c.subject, serialNumber: c.serialNumber,
      notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(),
      certificatePath: this.rootCertPath,
    };
  }

  private ensureDirs(): void {
    ensurePrivateHome(path.dirname(this.dir));
    for (const d of [this.dir, this.issuedDir]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      fs.chmodSync(d, 0o700);
    }
  }

  /** Creates the root unless it exists. Two concurrent inits agree on one root. */
  async init(): Promise<{ created: boolean }> {
    this.ensureDirs();
    if (this.initialised()) return { created: false };
    const { createRoot } = await import('./x509');
    const root = await createRoot(ROOT_NAME, ROOT_DAYS);
    const tmp = fs.mkdtempSync(path.join(this.dir, '.root-'));
    writeNewFile(path.join(tmp, 'ca.key.pem'), root.keyPem, PRIVATE_MODE);
    writeNewFile(path.join(tmp, 'ca.pem'), root.certPem, 0o644);
    try {
      fs.renameSync(tmp, this.rootDir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (this.initialised()) return { created: false }; // another process won the race
      throw e;
    }
    return { created: true };
  }

  /** Signs a new leaf and records it. The CA is initialised first if needed. */
  async issue(req: {
    commonName: string; dns: string[]; uris: string[]; days: number;
    describe: Omit<RecordFields, 'serialNumber' | 'subject' | 'subjectAlternativeNames' | 'notBefore' | 'notAfter' | 'issuedAt'>;
  }): Promise<CertificateRecord> {
    await this.init();
    const { issueLeaf } = await import('./x509');
    const ca = { certPem: this.rootPem(), keyPem: fs.readFileSync(this.rootKeyPath, 'utf8') };
    const leaf = await issueLeaf(ca, req);
    const fields: RecordFields = {
      serialNumber: leaf.serialNumber,
      subject: `CN=${req.commonName}`,
      subjectAlternativeNames: [...req.dns.map((d) => `DNS:${d}`), ...req.uris.map((u) => `URI:${u}`)],
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
      issuedAt: new Date().toISOString(),
      ...req.describe,
    };
    const tmp = fs.mkdtempSync(path.join(this.issuedDir, '.new-'));
    writeNewFile(path.join(tmp, 'key.pem'), leaf.keyPem, PRIVATE_MODE);
    writeNewFile(path.join(tmp, 'cert.pem'), leaf.certPem, 0o644);
    writeNewFile(path.join(tmp, 'meta.json'), `${JSON.stringify(fields, null, 2)}\n`, 0o644);
    fs.renameSync(tmp, path.join(this.issuedDir, leaf.serialNumber));
    return this.withPaths(fields);
  }

  private withPaths(f: RecordFields): CertificateRecord {
    const d = path.join(this.issuedDir, f.serialNumber);
    return { ...f, certificatePath: path.join(d, 'cert.pem'), privateKeyPath: path.join(d, 'key.pem') };
  }

  /** Records by directory listing (entries are added whole, by rename, and never change). */
  private cache?: { key: string; records: CertificateRecord[] };

  /** Every issued certificate, oldest first. Unreadable entries are skipped. */
  records(): CertificateRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.issuedDir);
    } catch {
      return [];
    }
    const key = names.filter((n) => !n.startsWith('.')).sort().join('/');
    if (this.cache?.key === key) return this.cache.records;
    const out: CertificateRecord[] = [];
    for (const n of names) {
      if (n.startsWith('.')) continue;
      try {
        const f = JSON.parse(fs.readFileSync(path.join(this.issuedDir, n, 'meta.json'), 'utf8')) as RecordFields;
        if (f.serialNumber === n) out.push(this.withPaths(f));
      } catch {
        // not a certificate entry (or one being removed by hand)
      }
    }
    out.sort((a, b) => (a.issuedAt === b.issuedAt ? a.serialNumber.localeCompare(b.serialNumber) : a.issuedAt < b.issuedAt ? -1 : 1));
    this.cache = { key, records: out };
    return out;
  }

  /** The newest certificate matching `pick`. */
  current(pick: (r: CertificateRecord) => boolean, records = this.records()): CertificateRecord | undefined {
    for (let i = records.length - 1; i >= 0; i--) if (pick(records[i])) return records[i];
    return undefined;
  }

  /** The newest certificate whose SDS secret name, ACM ARN or spec path is `name`. */
  bySecretName(name: string, records?: CertificateRecord[]): CertificateRecord | undefined {
    return this.current((r) => r.secretNames.includes(name), records);
  }

  byAcmArn(arn: string, records?: CertificateRecord[]): CertificateRecord | undefined {
    return this.current((r) => r.acmArns.includes(arn), records);
  }

  byChainPath(p: string, records?: CertificateRecord[]): CertificateRecord | undefined {
    return this.current((r) => r.certificateChainPaths.includes(p), records);
  }

  byKeyPath(p: string, records?: CertificateRecord[]): CertificateRecord | undefined {
    return this.current((r) => r.privateKeyPaths.includes(p), records);
  }

  isTrustPath(p: string, records = this.records()): boolean {
    return records.some((r) => r.trustChainPaths.includes(p));
  }

  /** Certificate (chain) and key of a record. */
  readPair(r: CertificateRecord): { chainPem: string; keyPem: string } {
    return { chainPem: fs.readFileSync(r.certificatePath, 'utf8'), keyPem: fs.readFileSync(r.privateKeyPath, 'utf8') };
  }
}
