// gRPC call credentials that sign each call the way Envoy's envoy.grpc_credentials.aws_iam plugin
// does (what App Mesh's Envoy image uses on its ADS stream): SigV4 over
//   POST <service path>/<method>, Host = the channel's authority without a default port,
//   x-amz-content-sha256 = SHA-256 of the empty payload, x-amz-date (+ x-amz-security-token),
// scoped to <date>/<region>/<service>/aws4_request; the signed headers travel as call metadata.
// For grpc-js clients standing in for such proxies (tests, `npm run bench:cp`).

import * as grpc from '@grpc/grpc-js';
import { createHash, createHmac } from 'crypto';

export interface AwsIamSigning {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  /** APPMESH_SIGNING_NAME; default appmesh. */
  service?: string;
  /** host:port the channel targets (its :authority). */
  authority: string;
  /** Epoch ms to sign at (tests of expiry); default now. */
  now?: () => number;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The metadata Envoy's aws_iam plugin attaches to a call of `method` (e.g. /pkg.Service/Method). */
export function awsIamMetadata(s: AwsIamSigning, method: string): Record<string, string> {
  const service = s.service ?? 'appmesh';
  const amzDate = new Date(s.now?.() ?? Date.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const host = s.authority.replace(/:(443|80)$/, '');
  const headers: Record<string, string> = { host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': amzDate };
  if (s.sessionToken) headers['x-amz-security-token'] = s.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = ['POST', method, '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), EMPTY_SHA256].join('\n');
  const scope = `${date}/${s.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${s.secretAccessKey}`, date), s.region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers; // the host travels as :authority
  return { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${s.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

export function awsIamCallCredentials(s: AwsIamSigning): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator((params, callback) => {
    // Envoy signs the full method path; grpc-js hands it as method_name (gRPC core splits it off service_url).
    const method = params.method_name.startsWith('/') ? params.method_name : `${new URL(params.service_url).pathname}/${params.method_name}`;
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(awsIamMetadata(s, method))) md.set(k, v);
    callback(null, md);
  });
}
