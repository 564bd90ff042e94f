import { readFileSync } from 'fs';
import type { OperationDefinition, OperationSlice, ServiceDefinition, Shape } from './types';

/** The services awsmesh speaks, by their AWS CLI command name. */
export const SERVICE_NAMES = ['appmesh', 'iam', 'servicediscovery', 'sts'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const cache = new Map<ServiceName, ServiceDefinition>();

/**
 * Operations and shapes read from per-operation slices (src/generated/<service>/<cli>.json, written
 * by scripts/gen.js from the same definition): a service command reads its operation's slice
 * instead of the whole definition (App Mesh's is 100 KB, a slice a few KB). Lookups try these
 * first and fall back to the whole definition for anything a slice does not hold.
 */
const sliced = new Map<ServiceName, { operations: Record<string, OperationDefinition>; shapes: Record<string, Shape> }>();

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** Loads a generated service definition on first use (each is a sizeable module). */
export function getService(name: ServiceName): ServiceDefinition {
  let def = cache.get(name);
  if (!def) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    def = require(`../generated/${name}.json`) as ServiceDefinition;
    cache.set(name, def);
  }
  return def;
}

/** Whether the whole definition of `service` has been loaded (for tests: slices should spare it). */
export function serviceLoaded(service: ServiceName): boolean {
  return cache.has(service);
}

/** The operation `cli` from its slice, or undefined when it has none (an unknown name, an unreadable file). */
function sliceOperation(service: ServiceName, cli: string): OperationDefinition | undefined {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(cli)) return undefined;
  let slice: OperationSlice;
  try {
    slice = JSON.parse(readFileSync(`${__dirname}/../generated/${service}/${cli}.json`, 'utf8')) as OperationSlice;
  } catch {
    return undefined;
  }
  let known = sliced.get(service);
  if (!known) sliced.set(service, (known = { operations: {}, shapes: {} }));
  known.operations[slice.operation.name] = slice.operation;
  Object.assign(known.shapes, slice.shapes);
  return slice.operation;
}

function slicedShape(service: ServiceName, name: string): Shape | undefined {
  const shapes = sliced.get(service)?.shapes;
  return shapes && Object.hasOwn(shapes, name) ? shapes[name] : undefined;
}

/** An operation by its model name (`DescribeMesh`), or undefined when the service has none. */
export function findOperation(service: ServiceName, operation: string): OperationDefinition | undefined {
  const fromSlice = sliced.get(service)?.operations;
  if (fromSlice && Object.hasOwn(fromSlice, operation)) return fromSlice[operation];
  const ops = getService(service).operations;
  return Object.hasOwn(ops, operation) ? ops[operation] : undefined;
}

export function getOperation(service: ServiceName, operation: string): OperationDefinition {
  const op = findOperation(service, operation);
  if (!op) throw new Error(`unknown operation ${service}.${operation}`);
  return op;
}

/** An operation by its CLI name (`describe-mesh`): from its slice while the whole definition is not loaded. */
export function findOperationByCli(service: ServiceName, cli: string): OperationDefinition | undefined {
  if (!cache.has(service)) {
    const op = sliceOperation(service, cli);
    if (op) return op;
  }
  return Object.values(getService(service).operations).find((o) => o.cli === cli);
}

/** A shape by name, or undefined when the model has none. */
export function findShape(service: ServiceName, name: string): Shape | undefined {
  const shape = slicedShape(service, name);
  if (shape) return shape;
  const shapes = getService(service).shapes;
  return Object.hasOwn(shapes, name) ? shapes[name] : undefined;
}

export function getShape(service: ServiceName, name: string): Shape {
  const shape = findShape(service, name);
  if (!shape) throw new Error(`unknown shape ${service}.${name}`);
  return shape;
}

/** HTTP status and fault of an error shape, as the model declares them. */
export function errorInfo(service: ServiceName, code: string): { status: number; senderFault: boolean } {
  let shape = slicedShape(service, code);
  if (!shape) {
    const shapes = getService(service).shapes;
    shape = shapes[code] ?? Object.values(shapes).find((s) => s.exception && s.error?.code === code);
  }
  const status = shape?.error?.httpStatusCode ?? 400;
  return { status, senderFault: shape?.error?.senderFault ?? status < 500 };
}
