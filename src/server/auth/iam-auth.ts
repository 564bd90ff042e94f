// Authentication and authorization against awsmesh's own IAM, for `awsmesh serve`: a SigV4
// signature is verified with the secret of the access key it names (an awsmesh IAM user's key),
// and the user's policies decide what the call may do. One instance serves the API and the xDS
// port. Identities are cached briefly and dropped on any store change, so a deleted key, an
// inactive key or a detached policy takes effect at once.

import { createHash, timingSafeEqual } from 'crypto';
import type { Caller } from '../../backends/backend';
import type { Store } from '../../backends/local/store/store';
import { evaluatePolicies, type ContextValue } from '../../backends/local/iam/evaluate';
import type { SigningIdentity } from '../../backends/local/iam/identity';
import { checkSignature, parseSignature, type Signature } from '../sigv4';
import { WireError, type WireErrorKind, type WireRequest } from '../wire';

/** Why a request was refused; also the `reason` label of the rejection metrics. */
export type RefusalReason =
  | 'unsigned' | 'malformed_signature' | 'unknown_key' | 'inactive_key' | 'bad_signature' | 'expired'
  | 'session_token' | 'wrong_service' | 'permission_denied';

export class AuthError extends Error {
  constructor(readonly reason: RefusalReason, readonly kind: WireErrorKind, message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Authenticated {
  caller: Caller;
  /** Region and service of the signature's credential scope (a proxy signs with its own region). */
  region: string;
  service: string;
  identity: SigningIdentity;
}

const REASON_OF: Partial<Record<WireErrorKind, RefusalReason>> = {
  missingAuth: 'unsigned', incompleteSignature: 'malformed_signature', badSignature: 'bad_signature', expired: 'expired',
};

function refusal(e: unknown): never {
  if (e instanceof WireError) throw new AuthError(REASON_OF[e.kind] ?? 'bad_signature', e.kind, e.message);
  throw e;
}

export interface IamAuthOptions {
  store: Store;
  account: string;
  /** Epoch ms; injectable for expiry tests. */
  now?: () => number;
  /** How long a resolved identity is reused without a store change (default 5 s). */
  cacheMs?: number;
}

export class IamAuthenticator {
  private readonly cache = new Map<string, { at: number; identity: SigningIdentity | undefined }>();
  private readonly unwatch: () => void;

  constructor(private readonly opts: IamAuthOptions) {
    this.unwatch = opts.store.watch(() => this.cache.clear());
  }

  close(): void {
    this.unwatch();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private async identity(accessKeyId: string): Promise<SigningIdentity | undefined> {
    const hit = this.cache.get(accessKeyId);
    if (hit && this.now() - hit.at < (this.opts.cacheMs ?? 5000)) return hit.identity;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { signingIdentity } = require('../../backends/local/iam/identity') as typeof import('../../backends/local/iam/identity');
    const identity = await signingIdentity(this.opts.store, this.opts.account, accessKeyId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(accessKeyId, { at: this.now(), identity });
    return identity;
  }

  /** Verifies `req` (HTTP API call or gRPC stream); throws AuthError. */
  async authenticate(req: WireRequest, rawHeaders: string[], hostCandidates?: string[]): Promise<Authenticated> {
    let sig: Signature;
    try {
      sig = parseSignature(req);
    } catch (e) {
      refusal(e);
    }
    if (req.headers['x-amz-security-token'] !== undefined || req.query.has('X-Amz-Security-Token')) {
      throw new AuthError('session_token', 'unknownAccessKey',
        'The request is signed with temporary AWS credentials (a session token, e.g. an ECS task role or instance profile), ' +
          'which only AWS can verify. Sign with the access key of an awsmesh IAM user (iam create-access-key) instead.');
    }
    const identity = await this.identity(sig.scope.accessKeyId);
    if (!identity) throw new AuthError('unknown_key', 'unknownAccessKey', 'The security token included in the request is invalid.');
    if (!identity.active) throw new AuthError('inactive_key', 'unknownAccessKey', `The access key ${sig.scope.accessKeyId} is inactive.`);
    try {
      checkSignature(req, rawHeaders, sig, identity.secretAccessKey, this.now(), hostCandidates);
    } catch (e) {
      refusal(e);
    }
    return { caller: identity.caller, region: sig.scope.region, service: sig.scope.service, identity };
  }

  /**
   * A sign-in with the key itself instead of a signature (the console under `awsmesh serve`, where a
   * browser cannot sign): the key must exist, be active, and its secret match. Cached like
   * authenticate(), so a deleted or deactivated key fails at once.
   */
  async authenticateKey(accessKeyId: string, secretAccessKey: string, region: string): Promise<Authenticated> {
    const identity = accessKeyId ? await this.identity(accessKeyId) : undefined;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    // One message whether the key exists or not; the reason (for metrics and the log) tells them apart.
    const wrong = 'The access key ID or secret access key is wrong.';
    if (!identity) throw new AuthError('unknown_key', 'unknownAccessKey', wrong);
    if (!timingSafeEqual(digest(secretAccessKey), digest(identity.secretAccessKey))) throw new AuthError('bad_signature', 'badSignature', wrong);
    if (!identity.active) throw new AuthError('inactive_key', 'unknownAccessKey', `The access key ${accessKeyId} is inactive.`);
    return { caller: identity.caller, region, service: 'appmesh', identity };
  }

  /** Throws AuthError('permission_denied') unless the caller's policies allow `action` on `resource`. */
  authorize(auth: Authenticated, action: string, resource: string, extra: Record<string, ContextValue> = {}): void {
    const { caller, identity } = auth;
    const context: Record<string, ContextValue> = {
      'aws:username': caller.userName ?? '',
      'aws:userid': caller.userId,
      'aws:PrincipalArn': caller.arn,
      'aws:PrincipalAccount': caller.account,
      'aws:PrincipalType': 'User',
      'aws:RequestedRegion': auth.region,
      'aws:CurrentTime': new Date(this.now()).toISOString(),
      'aws:EpochTime': String(Math.floor(this.now() / 1000)),
      ...extra,
    };
    const decision = evaluatePolicies(identity.policies, { action, resource, context }, identity.boundary);
    if (decision.allowed) return;
    const why = decision.denied === 'explicit'
      ? `with an explicit deny in ${decision.byBoundary ? 'a permissions boundary' : 'an identity-based policy'}`
      : decision.byBoundary ? `because no permissions boundary allows the ${action} action` : `because no identity-based policy allows the ${action} action`;
    throw new AuthError('permission_denied', 'badSignature', `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  }
}
