// IAM role operations: create/get/list/update/delete, the trust policy, and role tags.

import type { IamInput, IamOutput, Role } from '../../../generated/iam-api';
import type { ProviderContext } from '../provider';
import {
  allRoles, findRole, IAM, iamNow, iamPage, iamPartition, lookupPolicy, matchesPathPrefix, requireRole, ROLE, roleArn, roleKey, saveRole,
  type RoleData, type Tag,
} from './entities';
import { iamError, quotaExceeded } from './errors';
import { decodePolicyInput, encodePolicyOutput, validatePolicyDocument } from './policy-document';
import { sortByKey } from './paging';
import { randomChars, UPPER_ALNUM } from './random';
import { checkTagRequest, MAX_TAGS, mergeTags, removeTags, tagsInput } from './tags';

export const DEFAULT_ROLE_QUOTA = 1000;
const DEFAULT_MAX_SESSION = 3600;

type RoleView = 'create' | 'get' | 'list';

/** A role as each operation returns it: List omits tags and usage, Create omits session/usage data. */
export function roleOutput(role: RoleData, view: RoleView): Role {
  const out: Role = {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    AssumeRolePolicyDocument: encodePolicyOutput(role.AssumeRolePolicyDocument),
  };
  if (role.Description !== undefined) out.Description = role.Description;
  if (view !== 'create') out.MaxSessionDuration = role.MaxSessionDuration;
  if (view !== 'list') {
    if (role.PermissionsBoundary) {
      out.PermissionsBoundary = { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: role.PermissionsBoundary };
    }
    if (role.Tags.length > 0) out.Tags = role.Tags;
  }
  if (view === 'get') out.RoleLastUsed = {};
  return out;
}

function trustDocument(raw: unknown): string {
  const text = decodePolicyInput(String(raw));
  validatePolicyDocument(text, 'trust');
  return text;
}

export async function createRole(input: IamInput<'CreateRole'>, ctx: ProviderContext): Promise<IamOutput<'CreateRole'>> {
  const name = input.RoleName;
  const path = input.Path ?? '/';
  const document = trustDocument(input.AssumeRolePolicyDocument);
  const tags = tagsInput(input.Tags);
  checkTagRequest(tags);
  if (tags.length > MAX_TAGS) throw quotaExceeded('TagsPerRole', MAX_TAGS);

  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const existing = await findRole(tx, name);
    if (existing) throw iamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
    const quota = ctx.settings.iamRoleQuota ?? DEFAULT_ROLE_QUOTA;
    if ((await tx.count(IAM, ROLE)) >= quota) throw quotaExceeded('RolesPerAccount', quota);

    let boundary: string | undefined;
    if (input.PermissionsBoundary !== undefined) {
      boundary = input.PermissionsBoundary;
      const policy = await lookupPolicy(tx, ctx, boundary);
      if (!policy) throw iamError('NoSuchEntity', `Scope ARN: ${boundary} does not exist or is not attachable.`);
    }

    const now = iamNow(ctx);
    const role: RoleData = {
      RoleName: name,
      Path: path,
      RoleId: `AROA${randomChars(UPPER_ALNUM, 17)}`,
      Arn: roleArn(ctx.account, path, name),
      CreateDate: now,
      AssumeRolePolicyDocument: document,
      MaxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION,
      Tags: tags,
      AttachedPolicies: [],
    };
    if (input.Description !== undefined) role.Description = input.Description;
    if (boundary) role.PermissionsBoundary = boundary;
    await saveRole(tx, role, undefined, now);
    return { Role: roleOutput(role, 'create') };
  });
}

export async function getRole(input: IamInput<'GetRole'>, ctx: ProviderContext): Promise<IamOutput<'GetRole'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { role } = await requireRole(tx, input.RoleName);
    return { Role: roleOutput(role, 'get') };
  });
}

export async function listRoles(input: IamInput<'ListRoles'>, ctx: ProviderContext): Promise<IamOutput<'ListRoles'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const roles = (await allRoles(tx)).filter((r) => matchesPathPrefix(r.Path, input.PathPrefix));
    const { items, ...paging } = iamPage(roles, (r) => r.RoleName.toLowerCase(), input);
    return { Roles: items.map((r) => roleOutput(r, 'list')), ...paging };
  });
}

export async function deleteRole(input: IamInput<'DeleteRole'>, ctx: ProviderContext): Promise<IamOutput<'DeleteRole'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { role } = await requireRole(tx, input.RoleName);
    if (role.AttachedPolicies.length > 0) {
      throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    }
    await tx.delete(IAM, ROLE, '', roleKey(role.RoleName));
    return {};
  });
}

/** Loads a role, lets `change` edit it, and saves it; returns the edited role. */
export async function modifyRole(
  ctx: ProviderContext, name: string, change: (role: RoleData) => void | Promise<void>,
): Promise<RoleData> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { row, role } = await requireRole(tx, name);
    await change(role);
    await saveRole(tx, role, row, iamNow(ctx));
    return role;
  });
}

export async function updateRole(input: IamInput<'UpdateRole'>, ctx: ProviderContext): Promise<IamOutput<'UpdateRole'>> {
  await modifyRole(ctx, input.RoleName, (role) => {
    if (input.Description !== undefined) role.Description = input.Description;
    if (input.MaxSessionDuration !== undefined) role.MaxSessionDuration = input.MaxSessionDuration;
  });
  return {};
}

export async function updateRoleDescription(input: IamInput<'UpdateRoleDescription'>, ctx: ProviderContext): Promise<IamOutput<'UpdateRoleDescription'>> {
  const role = await modifyRole(ctx, input.RoleName, (r) => {
    r.Description = input.Description;
  });
  return { Role: roleOutput(role, 'get') };
}

export async function updateAssumeRolePolicy(input: IamInput<'UpdateAssumeRolePolicy'>, ctx: ProviderContext): Promise<IamOutput<'UpdateAssumeRolePolicy'>> {
  const document = trustDocument(input.PolicyDocument);
  await modifyRole(ctx, input.RoleName, (role) => {
    role.AssumeRolePolicyDocument = document;
  });
  return {};
}

export async function tagRole(input: IamInput<'TagRole'>, ctx: ProviderContext): Promise<IamOutput<'TagRole'>> {
  await modifyRole(ctx, input.RoleName, (role) => {
    role.Tags = mergeTags(role.Tags, tagsInput(input.Tags));
  });
  return {};
}

export async function untagRole(input: IamInput<'UntagRole'>, ctx: ProviderContext): Promise<IamOutput<'UntagRole'>> {
  await modifyRole(ctx, input.RoleName, (role) => {
    role.Tags = removeTags(role.Tags, input.TagKeys ?? []);
  });
  return {};
}

export async function listRoleTags(input: IamInput<'ListRoleTags'>, ctx: ProviderContext): Promise<IamOutput<'ListRoleTags'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { role } = await requireRole(tx, input.RoleName);
    const byKey = (t: Tag): string => t.Key.toLowerCase();
    const { items, ...paging } = iamPage(sortByKey([...role.Tags], byKey), byKey, input);
    return { Tags: items, ...paging };
  });
}
