// Managed policies: customer policies (stored, up to five versions each) and the read-only AWS
// managed catalogue, listed and read through the same operations.

import type { IamInput, IamOutput, Policy, PolicyVersion } from '../../../generated/iam-api';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import {
  allCustomerPolicies, allRoles, iamNow, iamPage, iamPartition, IAM, matchesPathPrefix, POLICY, policyArn,
  requireCustomerPolicy, requirePolicy, savePolicy, type PolicyData, type PolicyVersionData, type ResolvedPolicy,
} from './entities';
import { iamError, quotaExceeded } from './errors';
import { MANAGED_POLICIES } from './managed-policies';
import { allUsers } from './users';
import { decodePolicyInput, encodePolicyOutput, validatePolicyDocument } from './policy-document';
import { sortByKey } from './paging';
import { randomChars, UPPER_ALNUM } from './random';
import { checkTagRequest, MAX_TAGS, tagsInput } from './tags';

export const MAX_POLICY_VERSIONS = 5;
export const CUSTOMER_POLICY_QUOTA = 1500;

interface Usage {
  attached: number;
  boundary: number;
}

/** How many roles and users attach each policy, or use it as their permissions boundary. */
export async function policyUsage(tx: StoreTx): Promise<Map<string, Usage>> {
  const usage = new Map<string, Usage>();
  const entry = (arn: string): Usage => {
    let u = usage.get(arn);
    if (!u) usage.set(arn, (u = { attached: 0, boundary: 0 }));
    return u;
  };
  for (const entity of [...await allRoles(tx), ...await allUsers(tx)]) {
    for (const arn of entity.AttachedPolicies) entry(arn).attached++;
    if (entity.PermissionsBoundary) entry(entity.PermissionsBoundary).boundary++;
  }
  return usage;
}

/** The common fields of both kinds of policy. */
function policyFields(p: ResolvedPolicy): {
  name: string; id: string; arn: string; path: string; description?: string; defaultVersion: string;
  created: number; updated: number; attachable: boolean; tags: PolicyData['Tags'];
} {
  if (p.kind === 'aws') {
    const m = p.policy;
    return {
      name: m.name, id: m.id, arn: m.arn, path: m.path, description: m.description, defaultVersion: m.defaultVersionId,
      created: m.createDate, updated: m.updateDate, attachable: m.attachable, tags: [],
    };
  }
  const c = p.policy;
  return {
    name: c.PolicyName, id: c.PolicyId, arn: c.Arn, path: c.Path, description: c.Description,
    defaultVersion: c.DefaultVersionId, created: c.CreateDate, updated: c.UpdateDate, attachable: true, tags: c.Tags,
  };
}

/** A policy as Get/Create return it (with description and tags) or as List does (without). */
function policyOutput(p: ResolvedPolicy, usage: Usage | undefined, full: boolean): Policy {
  const f = policyFields(p);
  const out: Policy = {
    PolicyName: f.name,
    PolicyId: f.id,
    Arn: f.arn,
    Path: f.path,
    DefaultVersionId: f.defaultVersion,
    AttachmentCount: usage?.attached ?? 0,
    PermissionsBoundaryUsageCount: usage?.boundary ?? 0,
    IsAttachable: f.attachable,
  };
  if (full && f.description !== undefined) out.Description = f.description;
  out.CreateDate = f.created;
  out.UpdateDate = f.updated;
  if (full && f.tags.length > 0) out.Tags = f.tags;
  return out;
}

function identityDocument(raw: unknown): string {
  const text = decodePolicyInput(String(raw));
  validatePolicyDocument(text, 'identity');
  return text;
}

export async function createPolicy(input: IamInput<'CreatePolicy'>, ctx: ProviderContext): Promise<IamOutput<'CreatePolicy'>> {
  const name = input.PolicyName;
  const path = input.Path ?? '/';
  const document = identityDocument(input.PolicyDocument);
  const tags = tagsInput(input.Tags);
  checkTagRequest(tags);
  if (tags.length > MAX_TAGS) throw quotaExceeded('TagsPerPolicy', MAX_TAGS);

  return ctx.store.write(iamPartition(ctx), async (tx) => {
    if (await tx.get(IAM, POLICY, '', name.toLowerCase())) {
      throw iamError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
    }
    if ((await tx.count(IAM, POLICY)) >= CUSTOMER_POLICY_QUOTA) throw quotaExceeded('PoliciesPerAccount', CUSTOMER_POLICY_QUOTA);
    const now = iamNow(ctx);
    const policy: PolicyData = {
      PolicyName: name,
      PolicyId: `ANPA${randomChars(UPPER_ALNUM, 17)}`,
      Arn: policyArn(ctx.account, path, name),
      Path: path,
      CreateDate: now,
      UpdateDate: now,
      DefaultVersionId: 'v1',
      Tags: tags,
      Versions: [{ VersionId: 'v1', Document: document, CreateDate: now }],
      NextVersion: 2,
    };
    if (input.Description !== undefined) policy.Description = input.Description;
    await savePolicy(tx, policy, now);
    return { Policy: policyOutput({ kind: 'local', policy }, undefined, true) };
  });
}

export async function getPolicy(input: IamInput<'GetPolicy'>, ctx: ProviderContext): Promise<IamOutput<'GetPolicy'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const policy = await requirePolicy(tx, ctx, arn);
    return { Policy: policyOutput(policy, (await policyUsage(tx)).get(arn), true) };
  });
}

export async function listPolicies(input: IamInput<'ListPolicies'>, ctx: ProviderContext): Promise<IamOutput<'ListPolicies'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const scope = input.Scope ?? 'All';
    const all: ResolvedPolicy[] = [];
    if (scope !== 'Local') all.push(...MANAGED_POLICIES.map((policy) => ({ kind: 'aws' as const, policy })));
    if (scope !== 'AWS') all.push(...(await allCustomerPolicies(tx)).map((policy) => ({ kind: 'local' as const, policy })));
    const usage = await policyUsage(tx);
    const filter = input.PolicyUsageFilter;
    const selected = all.filter((p) => {
      const f = policyFields(p);
      if (!matchesPathPrefix(f.path, input.PathPrefix)) return false;
      if (!input.OnlyAttached) return true;
      const u = usage.get(f.arn);
      if (filter === 'PermissionsPolicy') return (u?.attached ?? 0) > 0;
      if (filter === 'PermissionsBoundary') return (u?.boundary ?? 0) > 0;
      return (u?.attached ?? 0) + (u?.boundary ?? 0) > 0;
    });
    const keyOf = (p: ResolvedPolicy): string => {
      const f = policyFields(p);
      return `${f.name.toLowerCase()} ${f.arn}`;
    };
    const { items, ...paging } = iamPage(sortByKey(selected, keyOf), keyOf, input);
    return { Policies: items.map((p) => policyOutput(p, usage.get(policyFields(p).arn), false)), ...paging };
  });
}

export async function deletePolicy(input: IamInput<'DeletePolicy'>, ctx: ProviderContext): Promise<IamOutput<'DeletePolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const policy = await requireCustomerPolicy(tx, ctx, arn, 'delete');
    const usage = (await policyUsage(tx)).get(arn);
    if (usage && usage.attached + usage.boundary > 0) {
      throw iamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    }
    if (policy.Versions.length > 1) {
      throw iamError('DeleteConflict', 'This policy has more than one version. Before you delete a policy, you must delete the policy\'s versions. The default version is deleted with the policy.');
    }
    await tx.delete(IAM, POLICY, '', policy.PolicyName.toLowerCase());
    return {};
  });
}

function versionOutput(v: PolicyVersionData, defaultVersion: string, withDocument: boolean): PolicyVersion {
  const out: PolicyVersion = {};
  if (withDocument) out.Document = encodePolicyOutput(v.Document);
  out.VersionId = v.VersionId;
  out.IsDefaultVersion = v.VersionId === defaultVersion;
  out.CreateDate = v.CreateDate;
  return out;
}

/** The versions of either kind of policy (the AWS catalogue keeps only each policy's default). */
function versionsOf(p: ResolvedPolicy): { versions: PolicyVersionData[]; defaultVersion: string } {
  if (p.kind === 'local') return { versions: p.policy.Versions, defaultVersion: p.policy.DefaultVersionId };
  const m = p.policy;
  return { versions: [{ VersionId: m.defaultVersionId, Document: m.document, CreateDate: m.updateDate }], defaultVersion: m.defaultVersionId };
}

function noSuchVersion(arn: string, versionId: string): Error {
  return iamError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
}

export async function createPolicyVersion(input: IamInput<'CreatePolicyVersion'>, ctx: ProviderContext): Promise<IamOutput<'CreatePolicyVersion'>> {
  const document = identityDocument(input.PolicyDocument);
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const policy = await requireCustomerPolicy(tx, ctx, input.PolicyArn, 'add a version to');
    if (policy.Versions.length >= MAX_POLICY_VERSIONS) {
      throw iamError('LimitExceeded', `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
    }
    const now = iamNow(ctx);
    const version: PolicyVersionData = { VersionId: `v${policy.NextVersion}`, Document: document, CreateDate: now };
    policy.NextVersion++;
    policy.Versions.push(version);
    if (input.SetAsDefault === true) {
      policy.DefaultVersionId = version.VersionId;
      policy.UpdateDate = now;
    }
    await savePolicy(tx, policy, now);
    return { PolicyVersion: versionOutput(version, policy.DefaultVersionId, false) };
  });
}

export async function getPolicyVersion(input: IamInput<'GetPolicyVersion'>, ctx: ProviderContext): Promise<IamOutput<'GetPolicyVersion'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const { versions, defaultVersion } = versionsOf(await requirePolicy(tx, ctx, arn));
    const version = versions.find((v) => v.VersionId === input.VersionId);
    if (!version) throw noSuchVersion(arn, input.VersionId);
    return { PolicyVersion: versionOutput(version, defaultVersion, true) };
  });
}

/** Newest first, as IAM lists them; the key sorts descending version numbers ascending. */
const versionKey = (v: PolicyVersionData): string => String(1e9 - Number(v.VersionId.slice(1))).padStart(10, '0');

export async function listPolicyVersions(input: IamInput<'ListPolicyVersions'>, ctx: ProviderContext): Promise<IamOutput<'ListPolicyVersions'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { versions, defaultVersion } = versionsOf(await requirePolicy(tx, ctx, input.PolicyArn));
    const { items, ...paging } = iamPage(sortByKey([...versions], versionKey), versionKey, input);
    return { Versions: items.map((v) => versionOutput(v, defaultVersion, false)), ...paging };
  });
}

export async function deletePolicyVersion(input: IamInput<'DeletePolicyVersion'>, ctx: ProviderContext): Promise<IamOutput<'DeletePolicyVersion'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const versionId = input.VersionId;
    const policy = await requireCustomerPolicy(tx, ctx, arn, 'delete a version of');
    const index = policy.Versions.findIndex((v) => v.VersionId === versionId);
    if (index < 0) throw noSuchVersion(arn, versionId);
    if (policy.DefaultVersionId === versionId) throw iamError('DeleteConflict', 'Cannot delete the default version of a policy.');
    policy.Versions.splice(index, 1);
    await savePolicy(tx, policy, iamNow(ctx));
    return {};
  });
}

export async function setDefaultPolicyVersion(input: IamInput<'SetDefaultPolicyVersion'>, ctx: ProviderContext): Promise<IamOutput<'SetDefaultPolicyVersion'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const versionId = input.VersionId;
    const policy = await requireCustomerPolicy(tx, ctx, arn, 'change the default version of');
    if (!policy.Versions.some((v) => v.VersionId === versionId)) throw noSuchVersion(arn, versionId);
    if (policy.DefaultVersionId !== versionId) {
      const now = iamNow(ctx);
      policy.DefaultVersionId = versionId;
      policy.UpdateDate = now;
      await savePolicy(tx, policy, now);
    }
    return {};
  });
}
