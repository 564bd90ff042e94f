// The local IAM provider: the 23 role and managed-policy operations mesh set-ups use.

import type { OperationHandler, Provider } from '../provider';
import { checkConstraints } from './constraints';
import { attachRolePolicy, detachRolePolicy, listAttachedRolePolicies, listEntitiesForPolicy } from './attachments';
import {
  createPolicy, createPolicyVersion, deletePolicy, deletePolicyVersion, getPolicy, getPolicyVersion, listPolicies,
  listPolicyVersions, setDefaultPolicyVersion,
} from './policies';
import {
  createRole, deleteRole, getRole, listRoles, listRoleTags, tagRole, untagRole, updateAssumeRolePolicy, updateRole,
  updateRoleDescription,
} from './roles';

const handlers: Provider = {
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
};

/** Every operation checks IAM's value constraints first, as the service does. */
export const provider: Provider = Object.fromEntries(
  Object.entries(handlers).map(([name, handler]): [string, OperationHandler] => [
    name,
    async (input, ctx) => {
      checkConstraints(name, input);
      return handler(input, ctx);
    },
  ]),
);
