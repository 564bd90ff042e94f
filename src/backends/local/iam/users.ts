// IAM users: the identities `awsmesh serve` authenticates (their access keys sign requests) and
// authorizes (their attached and inline policies). Stored like roles: in the account's 'global'
// partition, keyed by the lower-cased name (names are unique regardless of case).

import type { IamInput, IamOutput, User } from '../../../generated/iam-api';
import type { Caller } from '../../backend';
import type { ProviderContext } from '../provider';
import type { StoredResource, StoreTx } from '../store/store';
import { IAM, iamNow, iamPage, iamPartition, lookupPolicy, matchesPathPrefix, putIamEntity, type Tag } from './entities';
import { iamError, quotaExceeded } from './errors';
import { randomChars, UPPER_ALNUM } from './random';
import { checkTagRequest, MAX_TAGS, tagsInput } from './tags';

export const USER = 'user';
export const ACCESS_KEY = 'accessKey';
export const USER_QUOTA = 5000;

/** An access key as stored: keyed by its id (the hot lookup when a signature is checked). */
export interface AccessKeyData {
  AccessKeyId: string;
  UserName: string;
  Status: 'Active' | 'Inactive';
  CreateDate: number;
  /** Needed to verify signatures (SigV4 is an HMAC); never returned after CreateAccessKey, never exported. */
  SecretAccessKey: string;
}

export interface InlinePolicy {
  PolicyName: string;
  /** Decoded document text, exactly as given. */
  Document: string;
}

export interface UserData {
  UserName: string;
  Path: string;
  UserId: string;
  Arn: string;
  CreateDate: number;
  PermissionsBoundary?: string;
  Tags: Tag[];
  /** ARNs of the attached managed policies, in attach order. */
  AttachedPolicies: string[];
  InlinePolicies: InlinePolicy[];
}

export const userKey = (name: string): string => name.toLowerCase();

export function userArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:user${path}${name}`;
}

export const noSuchUser = (name: string) => iamError('NoSuchEntity', `The user with name ${name} cannot be found.`);

export async function findUser(tx: StoreTx, name: string): Promise<{ row: StoredResource; user: UserData } | undefined> {
  const row = await tx.get(IAM, USER, '', userKey(name));
  return row ? { row, user: row.data as unknown as UserData } : undefined;
}

export async function requireUser(tx: StoreTx, name: string): Promise<{ row: StoredResource; user: UserData }> {
  const found = await findUser(tx, name);
  if (!found) throw noSuchUser(name);
  return found;
}

export async function saveUser(tx: StoreTx, user: UserData, row: StoredResource | undefined, now: number): Promise<void> {
  await putIamEntity(tx, USER, userKey(user.UserName), user.Arn, user, row?.createdAt ?? user.CreateDate, now);
}

export async function keysOfUser(tx: StoreTx, userName: string): Promise<AccessKeyData[]> {
  const key = userKey(userName);
  return (await tx.list(IAM, ACCESS_KEY, '')).map((r) => r.data as unknown as AccessKeyData).filter((k) => userKey(k.UserName) === key);
}

export async function allUsers(tx: StoreTx): Promise<UserData[]> {
  return (await tx.list(IAM, USER, '')).map((r) => r.data as unknown as UserData);
}

/**
 * The user an operation without UserName acts on: the caller's. The account root (the CLI, or a
 * server without authentication) has no user record.
 */
export function implicitUserName(input: { UserName?: string }, ctx: ProviderContext, operation: string): string | undefined {
  if (typeof input.UserName === 'string') return input.UserName;
  return ctx.caller?.userName ?? (operation === 'GetUser' ? undefined : rootHasNoUser(operation));
}

function rootHasNoUser(operation: string): never {
  throw iamError('InvalidInput', `${operation} needs --user-name: the caller is the account root, which is not an IAM user.`);
}

export function userOutput(user: UserData, view: 'create' | 'get' | 'list'): User {
  const out: User = { Path: user.Path, UserName: user.UserName, UserId: user.UserId, Arn: user.Arn, CreateDate: user.CreateDate };
  if (view !== 'list') {
    if (user.PermissionsBoundary) {
      out.PermissionsBoundary = { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: user.PermissionsBoundary };
    }
    if (user.Tags.length) out.Tags = user.Tags;
  }
  return out;
}

/** What GetUser answers for the account root (the caller when no user signed). */
function rootUser(ctx: ProviderContext, caller: Caller | undefined): User {
  return { Path: '/', UserName: 'root', UserId: ctx.account, Arn: caller?.arn ?? `arn:aws:iam::${ctx.account}:root`, CreateDate: 0 };
}

export async function createUser(input: IamInput<'CreateUser'>, ctx: ProviderContext): Promise<IamOutput<'CreateUser'>> {
  const name = input.UserName;
  const path = input.Path ?? '/';
  const tags = tagsInput(input.Tags);
  checkTagRequest(tags);
  if (tags.length > MAX_TAGS) throw quotaExceeded('TagsPerUser', MAX_TAGS);
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    if (await findUser(tx, name)) throw iamError('EntityAlreadyExists', `User with name ${name} already exists.`);
    if ((await tx.count(IAM, USER)) >= USER_QUOTA) throw quotaExceeded('UsersPerAccount', USER_QUOTA);
    let boundary: string | undefined;
    if (input.PermissionsBoundary !== undefined) {
      boundary = input.PermissionsBoundary;
      if (!(await lookupPolicy(tx, ctx, boundary))) throw iamError('NoSuchEntity', `Scope ARN: ${boundary} does not exist or is not attachable.`);
    }
    const now = iamNow(ctx);
    const user: UserData = {
      UserName: name, Path: path, UserId: `AIDA${randomChars(UPPER_ALNUM, 17)}`, Arn: userArn(ctx.account, path, name),
      CreateDate: now, Tags: tags, AttachedPolicies: [], InlinePolicies: [],
    };
    if (boundary) user.PermissionsBoundary = boundary;
    await saveUser(tx, user, undefined, now);
    return { User: userOutput(user, 'create') };
  });
}

export async function getUser(input: IamInput<'GetUser'>, ctx: ProviderContext): Promise<IamOutput<'GetUser'>> {
  const name = implicitUserName(input, ctx, 'GetUser');
  if (name === undefined) return { User: rootUser(ctx, ctx.caller) };
  return ctx.store.read(iamPartition(ctx), async (tx) => ({ User: userOutput((await requireUser(tx, name)).user, 'get') }));
}

export async function listUsers(input: IamInput<'ListUsers'>, ctx: ProviderContext): Promise<IamOutput<'ListUsers'>> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const users = (await allUsers(tx)).filter((u) => matchesPathPrefix(u.Path, input.PathPrefix));
    const { items, ...paging } = iamPage(users, (u) => userKey(u.UserName), input);
    return { Users: items.map((u) => userOutput(u, 'list')), ...paging };
  });
}

export async function deleteUser(input: IamInput<'DeleteUser'>, ctx: ProviderContext): Promise<IamOutput<'DeleteUser'>> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, input.UserName);
    // IAM refuses while anything still hangs off the user, in this order.
    if ((await keysOfUser(tx, user.UserName)).length) throw iamError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
    if (user.InlinePolicies.length) throw iamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    if (user.AttachedPolicies.length) throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    await tx.delete(IAM, USER, '', userKey(user.UserName));
    return {};
  });
}
