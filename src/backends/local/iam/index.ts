// The local IAM provider: the role and managed-policy operations mesh set-ups use, and the users,
// access keys and user policies `awsmesh serve` authenticates and authorizes callers with.

import type { IamApi } from '../../../generated/iam-api';
import type { OperationHandler, ProviderContext } from '../provider';
import { checkConstraints } from './constraints';
import { attachRolePolicy, detachRolePolicy, listAttachedRolePolicies, listEntitiesForPolicy } from './attachments';
import {
  createPolicy, createPolicyVersion, deletePolicy, deletePolicyVersion, getPolicy, getPolicyVersion, listPolicies,
  listPolicyVersions, setDefaultPolicyVersion,
} from './policies';
import { createAccessKey, deleteAccessKey, listAccessKeys, updateAccessKey } from './access-keys';
import {
  attachUserPolicy, deleteUserPolicy, detachUserPolicy, getUserPolicy, listAttachedUserPolicies, listUserPolicies, putUserPolicy,
} from './user-policies';
import { createUser, deleteUser, getUser, listUsers } from './users';
import {
  createRole, deleteRole, getRole, listRoles, listRoleTags, tagRole, untagRole, updateAssumeRolePolicy, updateRole,
  updateRoleDescription,
} from './roles';

const handlers: IamApi<ProviderContext> = {
  CreateRole: createRole,
  GetRole: getRole,
  ListRoles: listRoles,
  DeleteRole: deleteRole,
  UpdateRole: updateRole,
  UpdateRoleDescription: updateRoleDescription,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  ListPolicies: listPolicies,
  DeletePolicy: deletePolicy,
  CreatePolicyVersion: createPolicyVersion,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  DeletePolicyVersion: deletePolicyVersion,
  SetDefaultPolicyVersion: setDefaultPolicyVersion,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  ListEntitiesForPolicy: listEntitiesForPolicy,
  CreateUser: createUser,
  GetUser: getUser,
  ListUsers: listUsers,
  DeleteUser: deleteUser,
  CreateAccessKey: createAccessKey,
  ListAccessKeys: listAccessKeys,
  UpdateAccessKey: updateAccessKey,
  DeleteAccessKey: deleteAccessKey,
  AttachUserPolicy: attachUserPolicy,
  DetachUserPolicy: detachUserPolicy,
  ListAttachedUserPolicies: listAttachedUserPolicies,
  PutUserPolicy: putUserPolicy,
  GetUserPolicy: getUserPolicy,
  DeleteUserPolicy: deleteUserPolicy,
  ListUserPolicies: listUserPolicies,
};

/** Every operation checks IAM's value constraints first, as the service does. */
export const provider = Object.fromEntries(
  Object.entries(handlers as unknown as Record<string, OperationHandler>).map(([name, handler]): [string, OperationHandler] => [
    name,
    async (input, ctx) => {
      checkConstraints(name, input);
      return handler(input, ctx);
    },
  ]),
) as unknown as IamApi<ProviderContext>;
