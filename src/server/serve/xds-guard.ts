// Who may open an ADS stream on `awsmesh serve`, and for which node: a proxy signs its stream the
// way Envoy's envoy.grpc_credentials.aws_iam call credentials do (SigV4 of `POST <host>
// /envoy.service.discovery.v3.AggregatedDiscoveryService/<method>` with an empty payload, in the
// proxy's region, for service `appmesh` or APPMESH_SIGNING_NAME), with an awsmesh IAM user's key;
// that user needs `appmesh:StreamAggregatedResources` on the node's or gateway's ARN (App Mesh's
// proxy authorization). Alternatively a proxy presents a client certificate from the trusted CA
// whose URI SAN names its node (spiffe://<mesh>/<kind>/<name>, as `awsmesh local ca issue` writes).

import * as grpc from '@grpc/grpc-js';
import type { NodeIdentity } from '../../xds/node-id';
import { StreamRefused, type AdmittedStream, type StreamGuard } from '../../xds/stream-guard';
import { AuthError, type Authenticated, type IamAuthenticator } from '../auth/iam-auth';
import { proxyResourceArn } from '../auth/permissions';
import type { WireRequest } from '../wire';

interface CertPrincipal {
  kind: 'cert';
  uris: string[];
  subject: string;
}

interface IamPrincipal {
  kind: 'iam';
  auth: Authenticated;
}

type Principal = CertPrincipal | IamPrincipal | { kind: 'none' };

/** The :authority as signers canonicalise it: without a default port, and (grpc-js) without any port. */
function hostCandidates(authority: string): string[] {
  const stripped = authority.replace(/:(443|80)$/, '');
  const bare = stripped.replace(/:\d+$/, '');
  return [...new Set([stripped, bare])];
}

function signedRequest(call: grpc.ServerDuplexStream<unknown, unknown>): { req: WireRequest; rawHeaders: string[] } {
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(call.metadata.getMap())) {
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    headers[name] = text;
    rawHeaders.push(name, text);
  }
  return {
    req: { method: 'POST', rawPath: call.getPath(), rawQuery: '', query: new URLSearchParams(), headers, body: Buffer.alloc(0) },
    rawHeaders,
  };
}

function certPrincipal(call: grpc.ServerDuplexStream<unknown, unknown>): CertPrincipal | undefined {
  const peer = call.getAuthContext?.().sslPeerCertificate as { subjectaltname?: string; subject?: { CN?: string } } | undefined;
  if (!peer) return undefined;
  const uris = (peer.subjectaltname ?? '').split(/,\s*/).filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
  return { kind: 'cert', uris, subject: peer.subject?.CN ?? '' };
}

export class XdsGuard implements StreamGuard {
  constructor(private readonly o: { iam?: IamAuthenticator; account: string; signingNames: string[] }) {}

  async admit(call: grpc.ServerDuplexStream<unknown, unknown>): Promise<AdmittedStream> {
    const cert = certPrincipal(call);
    if (cert) return { principal: cert, describe: `client certificate ${cert.uris[0] ?? cert.subject}` };
    if (!this.o.iam) return { principal: { kind: 'none' } };
    const { req, rawHeaders } = signedRequest(call);
    let auth: Authenticated;
    try {
      auth = await this.o.iam.authenticate(req, rawHeaders, hostCandidates(call.getHost()));
    } catch (e) {
      if (e instanceof AuthError) throw new StreamRefused(grpc.status.UNAUTHENTICATED, e.message, e.reason);
      throw e;
    }
    if (!this.o.signingNames.includes(auth.service)) {
      throw new StreamRefused(grpc.status.UNAUTHENTICATED, `the stream is signed for service "${auth.service}"; this server accepts ${this.o.signingNames.map((n) => `"${n}"`).join(', ')} (APPMESH_SIGNING_NAME)`, 'wrong_service');
    }
    return { principal: { kind: 'iam', auth } satisfies IamPrincipal, region: auth.region, describe: `signed by ${auth.caller.arn}` };
  }

  authorize(admitted: AdmittedStream, node: NodeIdentity): void {
    const p = admitted.principal as Principal;
    if (p.kind === 'none') return;
    if (p.kind === 'cert') {
      const want = `spiffe://${node.mesh}/${node.kind}/${node.name}`;
      if (!p.uris.includes(want)) {
        throw new StreamRefused(grpc.status.PERMISSION_DENIED, `the client certificate (${p.uris.join(', ') || p.subject}) does not name ${want}`, 'permission_denied');
      }
      return;
    }
    const { auth } = p;
    const resource = proxyResourceArn(node, node.region ?? auth.region, node.account ?? this.o.account);
    try {
      this.o.iam!.authorize(auth, `${auth.service}:StreamAggregatedResources`, resource);
    } catch (e) {
      if (e instanceof AuthError) throw new StreamRefused(grpc.status.PERMISSION_DENIED, e.message, e.reason);
      throw e;
    }
  }
}
