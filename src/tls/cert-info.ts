// Envoy's /certs description of one certificate (admin.v3.CertificateDetails), from its PEM.

import { X509Certificate } from 'crypto';
import { parseSubjectAltName } from './san';

export interface CertificateDetails {
  path: string;
  serial_number: string;
  subject_alt_names: Array<Record<string, string>>;
  days_until_expiration: string;
  valid_from: string;
  expiration_time: string;
}

const SAN_FIELD: Record<string, string> = { DNS: 'dns', URI: 'uri', EMAIL: 'email', IP_ADDRESS: 'ip_address' };

/** The first certificate of a PEM chain, described; undefined if it does not parse. */
export function certificateDetails(pem: string, path: string, now = Date.now()): CertificateDetails | undefined {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const expires = new Date(c.validTo).getTime();
  return {
    path,
    serial_number: c.serialNumber.toLowerCase(),
    subject_alt_names: parseSubjectAltName(c.subjectAltName).map((s) => ({ [SAN_FIELD[s.type] ?? s.type.toLowerCase()]: s.value })),
    days_until_expiration: String(Math.max(0, Math.floor((expires - now) / 86_400_000))),
    valid_from: new Date(c.validFrom).toISOString().replace('.000Z', 'Z'),
    expiration_time: new Date(expires).toISOString().replace('.000Z', 'Z'),
  };
}
