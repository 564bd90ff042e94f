import type { OperationDefinition, ServiceDefinition, Shape } from './types';

/** The services awsmesh speaks, by their AWS CLI command name. */
export const SERVICE_NAMES = ['appmesh', 'iam', 'servicediscovery', 'sts'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const cache = new Map<ServiceName, ServiceDefinition>();

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

export function getOperation(service: ServiceName, operation: string): OperationDefinition {
  const op = getService(service).operations[operation];
  if (!op) throw new Error(`unknown operation ${service}.${operation}`);
  return op;
}

export function findOperationByCli(service: ServiceName, cli: string): OperationDefinition | undefined {
  return Object.values(getService(service).operations).find((o) => o.cli === cli);
}

export function getShape(service: ServiceName, name: string): Shape {
  const shape = getService(service).shapes[name];
  if (!shape) throw new Error(`unknown shape ${service}.${name}`);
  return shape;
}

/** HTTP status and fault of an error shape, as the model declares them. */
export function errorInfo(service: ServiceName, code: string): { status: number; senderFault: boolean } {
  const shapes = getService(service).shapes;
  const shape = shapes[code] ?? Object.values(shapes).find((s) => s.exception && s.error?.code === code);
  const status = shape?.error?.httpStatusCode ?? 400;
  return { status, senderFault: shape?.error?.senderFault ?? status < 500 };
}
