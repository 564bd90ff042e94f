// Attaching managed policies to roles, and the two views of that relation (users: user-policies.ts).

import type { IamInput, IamOutput } from '../../../generated/iam-api';
import type { ProviderContext } from '../provider';
import {
  allRoles, iamNow, iamPage, iamPartition, matchesPathPrefix, requirePolicy, requireRole, saveRole,
} from './entities';
import { iamError, quotaExceeded } from './errors';
import { sortByKey } from './paging';
import { allUsers } from './users';

export const MAX_POLICIES_PER_ROLE = 10;

/** Name and path are part of a policy ARN: arn:aws:iam::<acct>:policy<path><name>. */
export function splitPolicyArn(arn: string): { name: string; path: string } {
  const rest = arn.slice(arn.indexOf(':policy/') + ':policy'.length);
  const cut = rest.lastIndexOf('/') + 1;
  return { path: rest.slice(0, cut), name: rest.slice(cut) };
}

export async function attachRolePolicy(input: IamInput<'AttachRolePolicy'>, ctx: ProviderContext): Promise<IamOutput<'AttachRolePolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const { row, role } = await requireRole(tx, input.RoleName);
    const policy = await requirePolicy(tx, ctx, arn, `Policy ${arn} does not exist or is not attachable.`);
    if (policy.kind === 'aws' && !policy.policy.attachable) {
      throw iamError('PolicyNotAttachable', 'Cannot attach a Service Role Policy to a Customer Role.');
    }
    if (role.AttachedPolicies.includes(arn)) return {};
    if (role.AttachedPolicies.length >= MAX_POLICIES_PER_ROLE) throw quotaExceeded('PoliciesPerRole', MAX_POLICIES_PER_ROLE);
    role.AttachedPolicies.push(arn);
    await saveRole(tx, role, row, iamNow(ctx));
    return {};
  });
}

export async function detachRolePolicy(input: IamInput<'DetachRolePolicy'>, ctx: ProviderContext): Promise<IamOutput<'DetachRolePolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const { row, role } = await requireRole(tx, input.RoleName);
    await requirePolicy(tx, ctx, arn);
    if (!role.AttachedPolicies.includes(arn)) throw iamError('NoSuchEntity', `Policy ${arn} was not found.`);
    role.AttachedPolicies = role.AttachedPolicies.filter((a) => a !== arn);
    await saveRole(tx, role, row, iamNow(ctx));
    return {};
  });
}

export async function listAttachedRolePolicies(input: IamInput<'ListAttachedRolePolicies'>, ctx: ProviderContext): Promise<IamOutput<'ListAttachedRolePolicies'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { role } = await requireRole(tx, input.RoleName);
    const attached = role.AttachedPolicies
      .map((arn) => ({ arn, ...splitPolicyArn(arn) }))
      .filter((p) => matchesPathPrefix(p.path, input.PathPrefix));
    const byArn = (p: { arn: string }): string => p.arn;
    const { items, ...paging } = iamPage(sortByKey(attached, byArn), byArn, input);
    return { AttachedPolicies: items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...paging };
  });
}

export async function listEntitiesForPolicy(input: IamInput<'ListEntitiesForPolicy'>, ctx: ProviderContext): Promise<IamOutput<'ListEntitiesForPolicy'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    await requirePolicy(tx, ctx, arn);
    const filter = input.EntityFilter;
    const usage = input.PolicyUsageFilter;
    const uses = (e: { Path: string; AttachedPolicies: string[]; PermissionsBoundary?: string }) => {
      if (!matchesPathPrefix(e.Path, input.PathPrefix)) return false;
      const attached = e.AttachedPolicies.includes(arn);
      const boundary = e.PermissionsBoundary === arn;
      return usage === 'PermissionsPolicy' ? attached : usage === 'PermissionsBoundary' ? boundary : attached || boundary;
    };
    // Groups do not exist locally. One page runs over users, then roles (as IAM lists them).
    const users = filter !== undefined && filter !== 'User' ? [] : (await allUsers(tx)).filter(uses);
    const roles = filter !== undefined && filter !== 'Role' ? [] : (await allRoles(tx)).filter(uses);
    type Entity = { key: string; user?: { UserName: string; UserId: string }; role?: { RoleName: string; RoleId: string } };
    const entities: Entity[] = [
      ...users.map((u) => ({ key: `u:${u.UserName.toLowerCase()}`, user: { UserName: u.UserName, UserId: u.UserId } })),
      ...roles.map((r) => ({ key: `v:${r.RoleName.toLowerCase()}`, role: { RoleName: r.RoleName, RoleId: r.RoleId } })),
    ];
    const { items, ...paging } = iamPage(entities, (e) => e.key, input);
    return {
      PolicyGroups: [],
      PolicyUsers: items.flatMap((e) => (e.user ? [e.user] : [])),
      PolicyRoles: items.flatMap((e) => (e.role ? [e.role] : [])),
      ...paging,
    };
  });
}
