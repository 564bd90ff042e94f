// A user's permissions: managed policies attached to it, and inline policies (documents kept on
// the user itself). Together they decide what the user may do on `awsmesh serve`.

import type { IamInput, IamOutput } from '../../../generated/iam-api';
import type { ProviderContext } from '../provider';
import { splitPolicyArn } from './attachments';
import { iamNow, iamPage, iamPartition, matchesPathPrefix, requirePolicy } from './entities';
import { iamError, quotaExceeded } from './errors';
import { sortByKey } from './paging';
import { decodePolicyInput, encodePolicyOutput, policySize, validatePolicyDocument } from './policy-document';
import { requireUser, saveUser } from './users';

export const MAX_POLICIES_PER_USER = 10;
/** Inline policies of one user together, counted without whitespace. */
export const USER_POLICY_SIZE = 2048;

export async function attachUserPolicy(input: IamInput<'AttachUserPolicy'>, ctx: ProviderContext): Promise<IamOutput<'AttachUserPolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const { row, user } = await requireUser(tx, input.UserName);
    const policy = await requirePolicy(tx, ctx, arn, `Policy ${arn} does not exist or is not attachable.`);
    if (policy.kind === 'aws' && !policy.policy.attachable) {
      throw iamError('PolicyNotAttachable', 'Cannot attach a Service Role Policy to a User.');
    }
    if (user.AttachedPolicies.includes(arn)) return {};
    if (user.AttachedPolicies.length >= MAX_POLICIES_PER_USER) throw quotaExceeded('PoliciesPerUser', MAX_POLICIES_PER_USER);
    user.AttachedPolicies.push(arn);
    await saveUser(tx, user, row, iamNow(ctx));
    return {};
  });
}

export async function detachUserPolicy(input: IamInput<'DetachUserPolicy'>, ctx: ProviderContext): Promise<IamOutput<'DetachUserPolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn;
    const { row, user } = await requireUser(tx, input.UserName);
    await requirePolicy(tx, ctx, arn);
    if (!user.AttachedPolicies.includes(arn)) throw iamError('NoSuchEntity', `Policy ${arn} was not found.`);
    user.AttachedPolicies = user.AttachedPolicies.filter((a) => a !== arn);
    await saveUser(tx, user, row, iamNow(ctx));
    return {};
  });
}

export async function listAttachedUserPolicies(input: IamInput<'ListAttachedUserPolicies'>, ctx: ProviderContext): Promise<IamOutput<'ListAttachedUserPolicies'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, input.UserName);
    const attached = user.AttachedPolicies.map((arn) => ({ arn, ...splitPolicyArn(arn) }))
      .filter((p) => matchesPathPrefix(p.path, input.PathPrefix));
    const byArn = (p: { arn: string }): string => p.arn;
    const { items, ...paging } = iamPage(sortByKey(attached, byArn), byArn, input);
    return { AttachedPolicies: items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...paging };
  });
}

export async function putUserPolicy(input: IamInput<'PutUserPolicy'>, ctx: ProviderContext): Promise<IamOutput<'PutUserPolicy'>> {
  const name = input.PolicyName;
  const text = decodePolicyInput(input.PolicyDocument);
  validatePolicyDocument(text, 'identity');
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { row, user } = await requireUser(tx, input.UserName);
    // Inline policy names are case-insensitive on a user: a new spelling replaces the old one.
    const others = user.InlinePolicies.filter((p) => p.PolicyName.toLowerCase() !== name.toLowerCase());
    const total = [...others.map((p) => p.Document), text].reduce((n, d) => n + policySize(d), 0);
    if (total > USER_POLICY_SIZE) throw quotaExceeded('UserPolicySize', USER_POLICY_SIZE);
    user.InlinePolicies = [...others, { PolicyName: name, Document: text }];
    await saveUser(tx, user, row, iamNow(ctx));
    return {};
  });
}

function noSuchInline(name: string) {
  return iamError('NoSuchEntity', `The user policy with name ${name} cannot be found.`);
}

export async function getUserPolicy(input: IamInput<'GetUserPolicy'>, ctx: ProviderContext): Promise<IamOutput<'GetUserPolicy'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, input.UserName);
    const name = input.PolicyName.toLowerCase();
    const policy = user.InlinePolicies.find((p) => p.PolicyName.toLowerCase() === name);
    if (!policy) throw noSuchInline(input.PolicyName);
    return { UserName: user.UserName, PolicyName: policy.PolicyName, PolicyDocument: encodePolicyOutput(policy.Document) };
  });
}

export async function deleteUserPolicy(input: IamInput<'DeleteUserPolicy'>, ctx: ProviderContext): Promise<IamOutput<'DeleteUserPolicy'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { row, user } = await requireUser(tx, input.UserName);
    const name = input.PolicyName.toLowerCase();
    if (!user.InlinePolicies.some((p) => p.PolicyName.toLowerCase() === name)) throw noSuchInline(input.PolicyName);
    user.InlinePolicies = user.InlinePolicies.filter((p) => p.PolicyName.toLowerCase() !== name);
    await saveUser(tx, user, row, iamNow(ctx));
    return {};
  });
}

export async function listUserPolicies(input: IamInput<'ListUserPolicies'>, ctx: ProviderContext): Promise<IamOutput<'ListUserPolicies'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, input.UserName);
    const names = sortByKey(user.InlinePolicies.map((p) => p.PolicyName), (n) => n.toLowerCase());
    const { items, ...paging } = iamPage(names, (n) => n.toLowerCase(), input);
    return { PolicyNames: items, ...paging };
  });
}
