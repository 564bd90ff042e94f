// Certificate issuing with @peculiar/x509 over Node's WebCrypto: the local CA's self-signed root
// and leaf certificates for proxies. ECDSA P-256 keys (fast handshakes); leaves are usable for
// both server and client authentication, as mesh certificates are. Loaded only by commands
// that issue (the library pulls in a Reflect polyfill and ASN.1 schemas).

import { randomBytes, webcrypto } from 'crypto';

type X509 = typeof import('@peculiar/x509');

let lib: X509 | undefined;
function x509(): X509 {
  if (!lib) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('reflect-metadata');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('@peculiar/x509') as X509;
    lib.cryptoProvider.set(webcrypto as never); // Node's WebCrypto; the library's types name the DOM's
  }
  return lib;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface Pems {
  certPem: string;
  keyPem: string;
}

export interface LeafRequest {
  commonName: string;
  dns: string[];
  uris: string[];
  days: number;
}

export interface IssuedPems extends Pems {
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/** 16 random bytes, top bit clear: a positive serial that is unique in practice. */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex').toUpperCase();
}

/** X.500 attribute values: escape what RFC 4514 reserves. */
function cn(value: string): string {
  return `CN=${value.replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`)}`;
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509().PemConverter.encode(der, 'PRIVATE KEY');
}

/** A self-signed CA certificate (basic constraints CA, path length 0). */
export async function createRoot(commonName: string, days: number): Promise<IssuedPems> {
  const X = x509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + days * DAY_MS);
  const serialNumber = serial();
  const cert = await X.X509CertificateGenerator.createSelfSigned({
    serialNumber, name: cn(commonName), notBefore, notAfter, signingAlgorithm: ALGORITHM, keys: keys as never,
    extensions: [
      new X.BasicConstraintsExtension(true, 0, true),
      new X.KeyUsagesExtension(X.KeyUsageFlags.keyCertSign | X.KeyUsageFlags.cRLSign | X.KeyUsageFlags.digitalSignature, true),
      await X.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey), serialNumber, notBefore, notAfter };
}

/** A leaf certificate signed by the CA (`ca`), with DNS and URI subject alternative names. */
export async function issueLeaf(ca: Pems, req: LeafRequest): Promise<IssuedPems> {
  const X = x509();
  const caCert = new X.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8', X.PemConverter.decodeFirst(ca.keyPem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'],
  );
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  // Back-dated a minute so peers with a slightly slow clock accept a fresh certificate.
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Math.min(notBefore.getTime() + req.days * DAY_MS, caCert.notAfter.getTime()));
  const serialNumber = serial();
  const names = [
    ...req.dns.map((value) => ({ type: 'dns' as const, value })),
    ...req.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  const cert = await X.X509CertificateGenerator.create({
    serialNumber, subject: cn(req.commonName), issuer: caCert.subject, notBefore, notAfter,
    signingAlgorithm: ALGORITHM, publicKey: keys.publicKey as never, signingKey: caKey as never,
    extensions: [
      new X.BasicConstraintsExtension(false, undefined, true),
      new X.KeyUsagesExtension(X.KeyUsageFlags.digitalSignature, true),
      new X.ExtendedKeyUsageExtension([X.ExtendedKeyUsage.serverAuth, X.ExtendedKeyUsage.clientAuth]),
      ...(names.length ? [new X.SubjectAlternativeNameExtension(names)] : []),
      await X.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      await X.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey), serialNumber, notBefore, notAfter };
}
