// Create/Describe/Update/Delete/List for every App Mesh kind, driven by the KINDS table: 35 of
// the 38 operations (the other three are tagging, in tags.ts).

import type { Input, Output } from '../../backend';
import type { AppMeshApi } from '../../../generated/appmesh-api';
import type { OperationHandler, ProviderContext } from '../provider';
import type { StoredResource, StoreTx } from '../store/store';
import { appMeshError, badRequest } from './errors';
import {
  KINDS, QUOTA_OF, SERVICE, arnOf, dataOf, renderData, renderRef, storeParent,
  type Address, type KindInfo, type KindName, type MeshResourceData,
} from './kinds';
import {
  addressFromInput, checkMeshOwner, getResource, partitionOf, requireContainers, requireResource, requireWithContainers,
} from './lookups';
import { pageSize, readToken, signToken } from './paging';
import { normaliseTags } from './tags';

// The write path's modules, loaded when a write first needs them: a describe or list (the calls
// scripts make most, each a fresh process) never does.
/* eslint-disable @typescript-eslint/no-require-imports */
const idempotency = (): typeof import('./idempotency') => require('./idempotency');
const quotas = (): typeof import('./quotas') => require('./quotas');
const rules = (): typeof import('./rules') => require('./rules');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Epoch seconds with milliseconds, as App Mesh reports them. */
function timestamp(ctx: ProviderContext): number {
  return Math.round(ctx.now() * 1000) / 1000;
}

function cloneSpec(spec: unknown): Record<string, unknown> {
  return spec === undefined || spec === null ? {} : (JSON.parse(JSON.stringify(spec)) as Record<string, unknown>);
}

/**
 * Names become path segments of ARNs and of the store's parent keys; a '/' would make
 * `mesh/a/b` ambiguous, so it is refused when a resource is created.
 */
function checkNewNames(d: KindInfo, a: Address): void {
  const name = d.kind === 'Mesh' ? a.mesh : a.name;
  if (name.includes('/')) throw badRequest(`${d.kind} name ${name} is invalid: names must not contain '/'.`);
}

function alreadyExists(d: KindInfo, a: Address): Error {
  if (d.kind === 'Mesh') return appMeshError('ConflictException', `Mesh with name ${a.mesh} already exists.`);
  const where = d.container ? `${KINDS[d.container].kind} ${a.container} in mesh ${a.mesh}` : `mesh ${a.mesh}`;
  return appMeshError('ConflictException', `${d.kind} with name ${a.name} already exists under ${where}.`);
}

function quotaScope(d: KindInfo, a: Address): string {
  if (d.kind === 'Mesh') return `the account in this region`;
  return d.container ? `${KINDS[d.container].kind} ${a.container}` : `mesh ${a.mesh}`;
}

async function create(d: KindInfo, input: Input, ctx: ProviderContext): Promise<Output> {
  const op = `Create${d.kind}`;
  return ctx.store.write(partitionOf(ctx), (tx) => idempotency().idempotent(tx, op, input, async () => {
    const a = addressFromInput(d, input);
    checkMeshOwner(input, a, ctx.account);
    const container = await requireContainers(tx, d, a, ctx.account);
    if (await getResource(tx, d, a)) throw alreadyExists(d, a);
    checkNewNames(d, a);
    const limits = quotas().loadQuotas(ctx.settings);
    const parent = storeParent(d, a);
    const limit = limits[QUOTA_OF[d.kind]];
    if ((await tx.count(SERVICE, d.outputKey, parent)) >= limit) {
      throw rules().limitExceeded(QUOTA_OF[d.kind], limit, `Creating ${d.kind} ${a.name} in ${quotaScope(d, a)}`);
    }
    const spec = cloneSpec(input.spec);
    const refs = await rules().checkSpec(tx, ctx, d, a, spec, limits, container);
    const now = timestamp(ctx);
    const data: MeshResourceData = {
      uid: ctx.uuid(),
      version: 1,
      meshOwner: ctx.account,
      resourceOwner: ctx.account,
      spec,
      tags: normaliseTags(input.tags),
    };
    const r: StoredResource = { service: SERVICE, kind: d.outputKey, parent, name: a.name, arn: arnOf(ctx, d, a), data, createdAt: now, updatedAt: now };
    await tx.put(r);
    if (refs.length) await tx.setRefs(r.arn, refs);
    return { [d.outputKey]: renderData(d, r) };
  }));
}

async function update(d: KindInfo, input: Input, ctx: ProviderContext): Promise<Output> {
  const op = `Update${d.kind}`;
  return ctx.store.write(partitionOf(ctx), (tx) => idempotency().idempotent(tx, op, input, async () => {
    const a = addressFromInput(d, input);
    checkMeshOwner(input, a, ctx.account);
    const container = await requireContainers(tx, d, a, ctx.account);
    const current = await requireResource(tx, d, a, ctx.account);
    // Update replaces the whole spec ("This overwrites the existing data"); tags stay as they are.
    const spec = cloneSpec(input.spec);
    const refs = await rules().checkSpec(tx, ctx, d, a, spec, quotas().loadQuotas(ctx.settings), container);
    await rules().checkListenersFitRoutes(tx, d, a, spec);
    const previous = dataOf(current);
    const next: StoredResource = {
      ...current,
      data: { ...previous, spec, version: previous.version + 1 },
      updatedAt: timestamp(ctx),
    };
    await tx.put(next);
    await tx.setRefs(next.arn, refs);
    return { [d.outputKey]: renderData(d, next) };
  }));
}

async function describe(d: KindInfo, input: Input, ctx: ProviderContext): Promise<Output> {
  const a = addressFromInput(d, input);
  checkMeshOwner(input, a, ctx.account);
  return { [d.outputKey]: renderData(d, await requireWithContainers(ctx.store, partitionOf(ctx), d, a, ctx.account)) };
}

async function remove(d: KindInfo, input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.write(partitionOf(ctx), async (tx) => {
    const a = addressFromInput(d, input);
    checkMeshOwner(input, a, ctx.account);
    await requireContainers(tx, d, a, ctx.account);
    const current = await requireResource(tx, d, a, ctx.account);
    await rules().checkDelete(tx, ctx.account, d, a, current);
    await tx.delete(SERVICE, d.outputKey, current.parent, current.name);
    return { [d.outputKey]: renderData(d, current, 'DELETED') };
  });
}

async function list(d: KindInfo, input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.read(partitionOf(ctx), async (tx: StoreTx) => {
    const a = addressFromInput(d, { ...input, [d.nameMember]: '' });
    checkMeshOwner(input, a, ctx.account);
    await requireContainers(tx, d, a, ctx.account);
    const limit = pageSize(input.limit);
    const parent = storeParent(d, a);
    // The token is bound to this list: operation, partition and the mesh/router/gateway listed.
    const scope = JSON.stringify([`List${d.plural}`, ctx.account, ctx.region, parent]);
    const after = typeof input.nextToken === 'string' && input.nextToken !== ''
      ? await readToken(ctx.store, scope, input.nextToken)
      : undefined;
    const rows = await tx.list(SERVICE, d.outputKey, parent, { after: after === undefined ? undefined : { parent, name: after }, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const out: Output = { [d.listKey]: page.map((r) => renderRef(d, r)) };
    if (rows.length > limit) out.nextToken = await signToken(ctx.store, scope, page[page.length - 1].name);
    return out;
  });
}

type AppMesh = AppMeshApi<ProviderContext>;

/** The five operations of a kind as the generated API names and types them (CreateVirtualNode, …, ListVirtualNodes). */
type KindOperations<K extends KindName> = Pick<
  AppMesh, Extract<`${'Create' | 'Describe' | 'Update' | 'Delete'}${K}` | `List${(typeof KINDS)[K]['plural']}`, keyof AppMesh>
>;

/**
 * The five operations of one kind, one implementation for all kinds driven by the kinds table; the
 * API's per-operation types meet that shared implementation here, once.
 */
export function resourceHandlers<K extends KindName>(kind: K): KindOperations<K> {
  const d: KindInfo = KINDS[kind];
  const bind = (fn: (d: KindInfo, input: Input, ctx: ProviderContext) => Promise<Output>): OperationHandler =>
    (input, ctx) => fn(d, input, ctx);
  const handlers: Record<string, OperationHandler> = {
    [`Create${kind}`]: bind(create),
    [`Describe${kind}`]: bind(describe),
    [`Update${kind}`]: bind(update),
    [`Delete${kind}`]: bind(remove),
    [`List${d.plural}`]: bind(list),
  };
  return handlers as unknown as KindOperations<K>;
}
