// How IAM roles and customer managed policies are kept in the store, and how callers' names and
// ARNs find them. IAM is global: everything lives in the account's 'global' partition. Names are
// unique regardless of case, so rows are keyed by the lower-cased name.

import type { Partition, StoredResource, StoreTx } from '../store/store';
import type { ProviderContext } from '../provider';
import { iamError, noSuchRole } from './errors';
import { findManagedPolicy, type ManagedPolicy } from './managed-policies';
import { pageOf } from './paging';

export const IAM = 'iam';
export const ROLE = 'role';
export const POLICY = 'policy';

/** Stores one IAM entity (a row of the global partition, keyed by `key`). */
export function putIamEntity(tx: StoreTx, kind: string, key: string, arn: string, data: object, createdAt: number, now: number): Promise<void> {
  return tx.put({ service: IAM, kind, parent: '', name: key, arn, data: data as Record<string, unknown>, createdAt, updatedAt: now });
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface RoleData {
  RoleName: string;
  Path: string;
  RoleId: string;
  Arn: string;
  CreateDate: number;
  /** Decoded document text, exactly as given. */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  PermissionsBoundary?: string;
  Tags: Tag[];
  /** ARNs of the attached managed policies, in attach order. */
  AttachedPolicies: string[];
}

export interface PolicyVersionData {
  VersionId: string;
  Document: string;
  CreateDate: number;
}

export interface PolicyData {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: number;
  UpdateDate: number;
  DefaultVersionId: string;
  Tags: Tag[];
  Versions: PolicyVersionData[];
  /** IAM never reuses a version number, even after deletes. */
  NextVersion: number;
}

export function iamPartition(ctx: ProviderContext): Partition {
  return { account: ctx.account, region: 'global' };
}

/** IAM reports times to the second. */
export function iamNow(ctx: ProviderContext): number {
  return Math.floor(ctx.now());
}

export const roleKey = (name: string): string => name.toLowerCase();

export function roleArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:role${path}${name}`;
}

export function policyArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:policy${path}${name}`;
}

export async function findRole(tx: StoreTx, name: string): Promise<StoredResource | undefined> {
  return tx.get(IAM, ROLE, '', roleKey(name));
}

export async function requireRole(tx: StoreTx, name: string): Promise<{ row: StoredResource; role: RoleData }> {
  const row = await findRole(tx, name);
  if (!row) throw noSuchRole(name);
  return { row, role: row.data as unknown as RoleData };
}

export async function saveRole(tx: StoreTx, role: RoleData, row: StoredResource | undefined, now: number): Promise<void> {
  await putIamEntity(tx, ROLE, roleKey(role.RoleName), role.Arn, role, row?.createdAt ?? role.CreateDate, now);
}

export async function allRoles(tx: StoreTx): Promise<RoleData[]> {
  return (await tx.list(IAM, ROLE, '')).map((r) => r.data as unknown as RoleData);
}

export async function savePolicy(tx: StoreTx, policy: PolicyData, now: number): Promise<void> {
  await putIamEntity(tx, POLICY, policy.PolicyName.toLowerCase(), policy.Arn, policy, policy.CreateDate, now);
}

export async function allCustomerPolicies(tx: StoreTx): Promise<PolicyData[]> {
  return (await tx.list(IAM, POLICY, '')).map((r) => r.data as unknown as PolicyData);
}

export type ResolvedPolicy =
  | { kind: 'aws'; policy: ManagedPolicy }
  | { kind: 'local'; policy: PolicyData };

const POLICY_ARN = /^arn:aws:iam::(\d{12}|aws):policy((?:\/[\x21-\x7E]+)*\/|\/)([\w+=,.@-]{1,128})$/;

/**
 * The policy an ARN names, or undefined when it is a well-formed ARN of no policy. A malformed ARN
 * is InvalidInput, as in IAM.
 */
export async function lookupPolicy(tx: StoreTx, ctx: ProviderContext, arn: string): Promise<ResolvedPolicy | undefined> {
  const m = POLICY_ARN.exec(arn);
  if (!m) throw iamError('InvalidInput', `ARN ${arn} is not valid.`);
  const [, account, path, name] = m;
  if (account === 'aws') {
    const policy = findManagedPolicy(arn);
    return policy ? { kind: 'aws', policy } : undefined;
  }
  if (account !== ctx.account) return undefined;
  const row = await tx.get(IAM, POLICY, '', name.toLowerCase());
  const policy = row?.data as unknown as PolicyData | undefined;
  // The name is case-insensitive, the path is part of the identity.
  return policy && policy.Path === path ? { kind: 'local', policy } : undefined;
}

export async function requirePolicy(
  tx: StoreTx, ctx: ProviderContext, arn: string, notFound = `Policy ${arn} was not found.`,
): Promise<ResolvedPolicy> {
  const found = await lookupPolicy(tx, ctx, arn);
  if (!found) throw iamError('NoSuchEntity', notFound);
  return found;
}

export async function requireCustomerPolicy(tx: StoreTx, ctx: ProviderContext, arn: string, action: string): Promise<PolicyData> {
  const found = await requirePolicy(tx, ctx, arn);
  if (found.kind === 'aws') {
    throw iamError('InvalidInput', `Cannot ${action} AWS managed policy ${arn}: AWS managed policies are read-only.`);
  }
  return found.policy;
}

/** IAM's Marker/MaxItems paging over a fully sorted list. */
export function iamPage<T>(
  items: readonly T[], keyOf: (item: T) => string, input: { MaxItems?: number; Marker?: string },
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const page = pageOf(items, keyOf, input.Marker, input.MaxItems ?? 100, () => iamError('InvalidInput', 'Invalid Marker: it was not returned by a previous call.'));
  return page.next ? { items: page.items, IsTruncated: true, Marker: page.next } : { items: page.items, IsTruncated: false };
}

/** Path prefixes select entities whose path starts with them ("/" selects all). */
export function matchesPathPrefix(path: string, prefix: unknown): boolean {
  return typeof prefix !== 'string' || path.startsWith(prefix);
}
