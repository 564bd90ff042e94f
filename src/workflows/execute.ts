// Runs a plan through the dispatcher, one change at a time, and stops at the first failure with a
// report of what was applied and what was not (the caller rethrows the service error: exit 254).

import type { Dispatcher } from '../core/dispatcher';
import type { Progress } from '../base/progress';
import type { Painter } from './findings';
import { describeAddress, nameMembers } from './kinds';
import type { Change, Plan } from './plan';

const DONE: Record<Change['action'], string> = { create: 'created', update: 'updated', delete: 'deleted' };
const DOING: Record<Change['action'], string> = { create: 'creating', update: 'updating', delete: 'deleting' };
const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };


async function applyChange(api: Dispatcher, c: Change): Promise<void> {
  const call = (op: string, input: Record<string, unknown>) => api.dispatch('appmesh', op, input);
  const kind = c.address.kind;
  const names = nameMembers(c.address);
  if (c.action === 'create') {
    await call(`Create${kind}`, { ...c.desired!.input, ...names });
    return;
  }
  if (c.action === 'delete') {
    await call(`Delete${kind}`, names);
    return;
  }
  const meshOwner = kind !== 'Mesh' ? c.desired!.input.meshOwner : undefined;
  if (c.specChanged) {
    await call(`Update${kind}`, { ...names, ...(meshOwner !== undefined ? { meshOwner } : {}), spec: c.desired!.spec });
  }
  const arn = c.live?.arn;
  if (c.tags && arn) {
    if (c.tags.set.length) await call('TagResource', { resourceArn: arn, tags: c.tags.set });
    if (c.tags.remove.length) await call('UntagResource', { resourceArn: arn, tagKeys: c.tags.remove });
  }
}

export interface ExecuteResult {
  applied: Change[];
  /** Set when a change failed: the change, the error, and the changes never attempted. */
  failure?: { change: Change; error: unknown; skipped: Change[] };
}

export async function executePlan(plan: Plan, api: Dispatcher, progress: Progress, paint: Painter): Promise<ExecuteResult> {
  const applied: Change[] = [];
  for (let i = 0; i < plan.changes.length; i++) {
    const c = plan.changes[i];
    const label = describeAddress(c.address);
    progress.step(`${DOING[c.action]} ${label}…`);
    try {
      await applyChange(api, c);
    } catch (error) {
      progress.stop();
      return { applied, failure: { change: c, error, skipped: plan.changes.slice(i + 1) } };
    }
    const colour = c.action === 'create' ? paint.green : c.action === 'delete' ? paint.red : paint.yellow;
    progress.done(colour(`${SIGN[c.action]} ${DONE[c.action]} ${label}`));
    applied.push(c);
  }
  progress.stop();
  return { applied };
}

export function summary(applied: Change[]): string {
  const n = { create: 0, update: 0, delete: 0 };
  for (const c of applied) n[c.action]++;
  return `${n.create} created, ${n.update} updated, ${n.delete} deleted`;
}

/** What stderr says when a change failed: applied, failed, not attempted. */
export function failureReport(result: ExecuteResult, paint: Painter): string {
  const f = result.failure!;
  const lines = [
    paint.red(`✗ failed to ${f.change.action} ${describeAddress(f.change.address)}`),
    `Stopped after ${result.applied.length} of ${result.applied.length + 1 + f.skipped.length} changes (${summary(result.applied)}).`,
  ];
  lines.push('Not applied:');
  for (const c of [f.change, ...f.skipped]) lines.push(`  ${SIGN[c.action]} ${c.action} ${describeAddress(c.address)}`);
  return `${lines.join('\n')}\n`;
}
