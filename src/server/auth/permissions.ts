// The IAM permission each API call needs when `awsmesh serve` authorizes callers: action
// `<service>:<Operation>` on the resource the call is about, as AWS's service authorization
// reference defines them (App Mesh list calls act on their parent, Cloud Map calls on the
// namespace or service, IAM calls on the user, role or policy). Calls about no single resource
// act on "*". STS GetCallerIdentity needs no permission (as in AWS).

import type { Input } from '../../backends/backend';
import type { ServiceName } from '../../model/services';

export interface Permission {
  action: string;
  resource: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function appmeshResource(operation: string, input: Input, region: string, account: string): string {
  if (str(input.resourceArn)) return input.resourceArn as string;
  const mesh = str(input.meshName);
  if (!mesh) return '*';
  const base = `arn:aws:appmesh:${region}:${str(input.meshOwner) ?? account}:mesh/${mesh}`;
  const listing = operation.startsWith('List');
  if (operation.endsWith('GatewayRoute') || operation === 'ListGatewayRoutes') {
    const gw = `${base}/virtualGateway/${input.virtualGatewayName}`;
    return listing ? gw : `${gw}/gatewayRoute/${input.gatewayRouteName}`;
  }
  if (operation.endsWith('Route') || operation === 'ListRoutes') {
    const router = `${base}/virtualRouter/${input.virtualRouterName}`;
    return listing ? router : `${router}/route/${input.routeName}`;
  }
  for (const kind of ['virtualNode', 'virtualRouter', 'virtualService', 'virtualGateway']) {
    const name = str(input[`${kind}Name`]);
    if (name && !listing) return `${base}/${kind}/${name}`;
  }
  return base;
}

function iamResource(operation: string, input: Input, account: string, callerUser?: string): string {
  if (str(input.PolicyArn) && !operation.endsWith('RolePolicy') && !operation.endsWith('UserPolicy')) return input.PolicyArn as string;
  if (operation === 'CreatePolicy') return `arn:aws:iam::${account}:policy${str(input.Path) ?? '/'}${input.PolicyName}`;
  if (str(input.RoleName)) return `arn:aws:iam::${account}:role/${input.RoleName}`;
  const user = str(input.UserName) ?? (/User|AccessKey/.test(operation) && operation !== 'ListUsers' ? callerUser : undefined);
  if (user) return `arn:aws:iam::${account}:user/${user}`;
  return '*';
}

const CLOUD_MAP_BY_SERVICE_ID = /Service|Instance/;

function cloudMapResource(operation: string, input: Input, region: string, account: string): string {
  const arn = (kind: string, id: unknown) => `arn:aws:servicediscovery:${region}:${account}:${kind}/${id}`;
  if (str(input.ResourceARN)) return input.ResourceARN as string;
  if (operation === 'CreateService' && str(input.NamespaceId)) return arn('namespace', input.NamespaceId);
  if (str(input.ServiceId) && CLOUD_MAP_BY_SERVICE_ID.test(operation)) return arn('service', input.ServiceId);
  if (/Namespace$/.test(operation) && str(input.Id)) return arn('namespace', input.Id);
  if (/Service$|ServiceAttributes$/.test(operation) && str(input.Id)) return arn('service', input.Id);
  return '*';
}

/** undefined: the call needs no permission. */
export function requiredPermission(
  service: ServiceName, operation: string, input: Input, ctx: { region: string; account: string; callerUser?: string },
): Permission | undefined {
  switch (service) {
    case 'sts':
      return operation === 'GetCallerIdentity' ? undefined : { action: `sts:${operation}`, resource: '*' };
    case 'appmesh':
      return { action: `appmesh:${operation}`, resource: appmeshResource(operation, input, ctx.region, ctx.account) };
    case 'iam':
      return { action: `iam:${operation}`, resource: iamResource(operation, input, ctx.account, ctx.callerUser) };
    case 'servicediscovery':
      return { action: `servicediscovery:${operation}`, resource: cloudMapResource(operation, input, ctx.region, ctx.account) };
  }
}

/** The ARN proxy authorization checks: the virtual node or gateway a proxy asks configuration for. */
export function proxyResourceArn(node: { mesh: string; kind: string; name: string }, region: string, account: string): string {
  return `arn:aws:appmesh:${region}:${account}:mesh/${node.mesh}/${node.kind}/${node.name}`;
}
