// Cloud Map's asynchronous operations. Locally every change completes inside its request, so an
// operation is recorded already SUCCESS; GetOperation and ListOperations report it as AWS would.

import type { ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import { OPERATION, sdPage, sdPartition, SD } from './entities';
import { cloudMapError } from './errors';
import { compileFilters } from './filters';
import { newOperationId } from './ids';
import { sortByKey } from '../iam/paging';

export type OperationType =
  | 'CREATE_NAMESPACE' | 'DELETE_NAMESPACE' | 'UPDATE_NAMESPACE' | 'UPDATE_SERVICE' | 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE';

export interface OperationData {
  Id: string;
  Type: OperationType;
  Status: 'SUBMITTED' | 'PENDING' | 'SUCCESS' | 'FAIL';
  CreateDate: number;
  UpdateDate: number;
  Targets: Partial<Record<'NAMESPACE' | 'SERVICE' | 'INSTANCE', string>>;
}

/** Records a completed operation and returns its id. */
export async function recordOperation(
  tx: StoreTx, ctx: ProviderContext, type: OperationType, targets: OperationData['Targets'],
): Promise<string> {
  const now = ctx.now();
  const op: OperationData = { Id: newOperationId(), Type: type, Status: 'SUCCESS', CreateDate: now, UpdateDate: now, Targets: targets };
  await tx.put({
    service: SD, kind: OPERATION, parent: '', name: op.Id,
    arn: `arn:aws:servicediscovery:${ctx.region}:${ctx.account}:operation/${op.Id}`,
    data: op as unknown as Record<string, unknown>, createdAt: now, updatedAt: now,
  });
  return op.Id;
}

export async function getOperation(input: ServiceDiscoveryInput<'GetOperation'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetOperation'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const id = input.OperationId;
    if (input.OwnerAccount !== undefined && input.OwnerAccount !== ctx.account) {
      throw cloudMapError('OperationNotFound', `Operation not found: ${id}`);
    }
    const row = await tx.get(SD, OPERATION, '', id);
    if (!row) throw cloudMapError('OperationNotFound', `Operation not found: ${id}`);
    const op = row.data as unknown as OperationData;
    return { Operation: { Id: op.Id, Type: op.Type, Status: op.Status, CreateDate: op.CreateDate, UpdateDate: op.UpdateDate, Targets: op.Targets } };
  });
}

const EQ_IN = ['EQ', 'IN'] as const;

export async function listOperations(input: ServiceDiscoveryInput<'ListOperations'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'ListOperations'>> {
  const matches = compileFilters<OperationData>(input.Filters, {
    NAMESPACE_ID: { conditions: ['EQ'], value: (o) => o.Targets.NAMESPACE },
    SERVICE_ID: { conditions: ['EQ'], value: (o) => o.Targets.SERVICE },
    STATUS: { conditions: [...EQ_IN], value: (o) => o.Status },
    TYPE: { conditions: [...EQ_IN], value: (o) => o.Type },
    UPDATE_DATE: { conditions: ['BETWEEN'], value: (o) => o.UpdateDate, numeric: true },
  });
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const ops = (await tx.list(SD, OPERATION, ''))
      .map((r) => r.data as unknown as OperationData)
      .filter(matches);
    // Oldest first; the key is unique and sorts like the creation time.
    const keyOf = (o: OperationData): string => `${o.CreateDate.toFixed(3).padStart(16, '0')} ${o.Id}`;
    const { items, NextToken } = sdPage(sortByKey(ops, keyOf), keyOf, input);
    return { Operations: items.map((o) => ({ Id: o.Id, Status: o.Status })), ...(NextToken ? { NextToken } : {}) };
  });
}
