// Access keys of IAM users: what requests to `awsmesh serve` (API calls and Envoy's xDS streams)
// are signed with. The secret is generated here, returned once by CreateAccessKey (as AWS does)
// and kept only to check signatures.

import type { AccessKeyMetadata, IamInput, IamOutput } from '../../../generated/iam-api';
import { randomBytes } from 'crypto';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import { IAM, iamNow, iamPage, iamPartition, putIamEntity } from './entities';
import { iamError, quotaExceeded } from './errors';
import { randomChars, UPPER_ALNUM } from './random';
import { ACCESS_KEY, implicitUserName, keysOfUser, requireUser, userKey, type AccessKeyData } from './users';

export const MAX_KEYS_PER_USER = 2;

/** 40 characters of [A-Za-z0-9/+], like AWS secrets. */
function newSecret(): string {
  return randomBytes(30).toString('base64');
}

function metadata(k: AccessKeyData): AccessKeyMetadata {
  return { UserName: k.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate };
}

export async function findAccessKey(tx: StoreTx, accessKeyId: string): Promise<AccessKeyData | undefined> {
  const row = await tx.get(IAM, ACCESS_KEY, '', accessKeyId);
  return row?.data as unknown as AccessKeyData | undefined;
}

async function requireOwnKey(tx: StoreTx, userName: string, accessKeyId: string): Promise<AccessKeyData> {
  const key = await findAccessKey(tx, accessKeyId);
  if (!key || userKey(key.UserName) !== userKey(userName)) {
    throw iamError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
  }
  return key;
}

async function saveKey(tx: StoreTx, key: AccessKeyData, now: number): Promise<void> {
  await putIamEntity(tx, ACCESS_KEY, key.AccessKeyId, `awsmesh:iam:access-key/${key.AccessKeyId}`, key, key.CreateDate, now);
}

export async function createAccessKey(input: IamInput<'CreateAccessKey'>, ctx: ProviderContext): Promise<IamOutput<'CreateAccessKey'>> {
  const name = implicitUserName(input, ctx, 'CreateAccessKey')!;
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, name);
    if ((await keysOfUser(tx, user.UserName)).length >= MAX_KEYS_PER_USER) throw quotaExceeded('AccessKeysPerUser', MAX_KEYS_PER_USER);
    const now = iamNow(ctx);
    let id: string;
    do id = `AKIA${randomChars(UPPER_ALNUM, 16)}`; while (await findAccessKey(tx, id));
    const key: AccessKeyData = { AccessKeyId: id, UserName: user.UserName, Status: 'Active', CreateDate: now, SecretAccessKey: newSecret() };
    await saveKey(tx, key, now);
    const { UserName, AccessKeyId, Status, CreateDate, SecretAccessKey } = key;
    return { AccessKey: { UserName, AccessKeyId, Status, CreateDate, SecretAccessKey } };
  });
}

export async function listAccessKeys(input: IamInput<'ListAccessKeys'>, ctx: ProviderContext): Promise<IamOutput<'ListAccessKeys'>> {
  const name = implicitUserName(input, ctx, 'ListAccessKeys')!;
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { user } = await requireUser(tx, name);
    const keys = (await keysOfUser(tx, user.UserName)).sort((a, b) => (a.AccessKeyId < b.AccessKeyId ? -1 : 1));
    const { items, ...paging } = iamPage(keys, (k) => k.AccessKeyId, input);
    return { AccessKeyMetadata: items.map(metadata), ...paging };
  });
}

export async function updateAccessKey(input: IamInput<'UpdateAccessKey'>, ctx: ProviderContext): Promise<IamOutput<'UpdateAccessKey'>> {
  const name = implicitUserName(input, ctx, 'UpdateAccessKey')!;
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    await requireUser(tx, name);
    const key = await requireOwnKey(tx, name, input.AccessKeyId);
    key.Status = input.Status as AccessKeyData['Status'];
    await saveKey(tx, key, iamNow(ctx));
    return {};
  });
}

export async function deleteAccessKey(input: IamInput<'DeleteAccessKey'>, ctx: ProviderContext): Promise<IamOutput<'DeleteAccessKey'>> {
  const name = implicitUserName(input, ctx, 'DeleteAccessKey')!;
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    await requireUser(tx, name);
    const key = await requireOwnKey(tx, name, input.AccessKeyId);
    await tx.delete(IAM, ACCESS_KEY, '', key.AccessKeyId);
    return {};
  });
}
