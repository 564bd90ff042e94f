// The permission `awsmesh serve` requires of each API call: action and resource ARN as AWS's
// service authorization reference defines them, checked call by call.

import { proxyResourceArn, requiredPermission } from '../../src/server/auth/permissions';

const ctx = { region: 'us-west-2', account: '111122223333', callerUser: 'alice' };
const MESH = 'arn:aws:appmesh:us-west-2:111122223333:mesh/apps';

test.each([
  ['CreateMesh', { meshName: 'apps' }, MESH],
  ['ListMeshes', {}, '*'],
  ['DescribeMesh', { meshName: 'apps', meshOwner: '444455556666' }, 'arn:aws:appmesh:us-west-2:444455556666:mesh/apps'],
  ['CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'front' }, `${MESH}/virtualNode/front`],
  ['ListVirtualNodes', { meshName: 'apps' }, MESH],
  ['UpdateVirtualService', { meshName: 'apps', virtualServiceName: 'b.apps.local' }, `${MESH}/virtualService/b.apps.local`],
  ['DeleteVirtualRouter', { meshName: 'apps', virtualRouterName: 'r' }, `${MESH}/virtualRouter/r`],
  ['CreateRoute', { meshName: 'apps', virtualRouterName: 'r', routeName: 'x' }, `${MESH}/virtualRouter/r/route/x`],
  ['ListRoutes', { meshName: 'apps', virtualRouterName: 'r' }, `${MESH}/virtualRouter/r`],
  ['DescribeVirtualGateway', { meshName: 'apps', virtualGatewayName: 'gw' }, `${MESH}/virtualGateway/gw`],
  ['UpdateGatewayRoute', { meshName: 'apps', virtualGatewayName: 'gw', gatewayRouteName: 'g' }, `${MESH}/virtualGateway/gw/gatewayRoute/g`],
  ['ListGatewayRoutes', { meshName: 'apps', virtualGatewayName: 'gw' }, `${MESH}/virtualGateway/gw`],
  ['TagResource', { resourceArn: `${MESH}/virtualNode/front`, tags: [] }, `${MESH}/virtualNode/front`],
])('appmesh:%s on the resource it is about', (operation, input, resource) => {
  expect(requiredPermission('appmesh', operation, input, ctx)).toEqual({ action: `appmesh:${operation}`, resource });
});

test.each([
  ['CreateUser', { UserName: 'bob' }, 'arn:aws:iam::111122223333:user/bob'],
  ['ListUsers', {}, '*'],
  // No UserName: the key or user is the caller's own, as in AWS.
  ['CreateAccessKey', {}, 'arn:aws:iam::111122223333:user/alice'],
  ['ListAccessKeys', { UserName: 'bob' }, 'arn:aws:iam::111122223333:user/bob'],
  ['AttachUserPolicy', { UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshReadOnly' }, 'arn:aws:iam::111122223333:user/bob'],
  ['PutUserPolicy', { UserName: 'bob', PolicyName: 'p', PolicyDocument: '{}' }, 'arn:aws:iam::111122223333:user/bob'],
  ['CreatePolicy', { PolicyName: 'p', Path: '/team/' }, 'arn:aws:iam::111122223333:policy/team/p'],
  ['GetPolicy', { PolicyArn: 'arn:aws:iam::111122223333:policy/p' }, 'arn:aws:iam::111122223333:policy/p'],
  ['PutRolePolicy', { RoleName: 'r', PolicyName: 'p', PolicyDocument: '{}' }, 'arn:aws:iam::111122223333:role/r'],
])('iam:%s on the user, role or policy', (operation, input, resource) => {
  expect(requiredPermission('iam', operation, input, ctx)).toEqual({ action: `iam:${operation}`, resource });
});

test.each([
  ['CreateService', { Name: 'b', NamespaceId: 'ns-1' }, 'arn:aws:servicediscovery:us-west-2:111122223333:namespace/ns-1'],
  ['RegisterInstance', { ServiceId: 'srv-1', InstanceId: 'i' }, 'arn:aws:servicediscovery:us-west-2:111122223333:service/srv-1'],
  ['GetNamespace', { Id: 'ns-1' }, 'arn:aws:servicediscovery:us-west-2:111122223333:namespace/ns-1'],
  ['DeleteService', { Id: 'srv-1' }, 'arn:aws:servicediscovery:us-west-2:111122223333:service/srv-1'],
  ['ListNamespaces', {}, '*'],
  ['DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'b' }, '*'],
])('servicediscovery:%s on the namespace or service', (operation, input, resource) => {
  expect(requiredPermission('servicediscovery', operation, input, ctx)).toEqual({ action: `servicediscovery:${operation}`, resource });
});

test('sts:GetCallerIdentity needs no permission; other STS calls do', () => {
  expect(requiredPermission('sts', 'GetCallerIdentity', {}, ctx)).toBeUndefined();
  expect(requiredPermission('sts', 'AssumeRole', {}, ctx)).toEqual({ action: 'sts:AssumeRole', resource: '*' });
});

test('proxy authorization is asked on the virtual node or gateway ARN', () => {
  expect(proxyResourceArn({ mesh: 'apps', kind: 'virtualNode', name: 'front' }, 'eu-west-1', '111122223333'))
    .toBe('arn:aws:appmesh:eu-west-1:111122223333:mesh/apps/virtualNode/front');
  expect(proxyResourceArn({ mesh: 'apps', kind: 'virtualGateway', name: 'gw' }, 'us-west-2', '111122223333'))
    .toBe('arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualGateway/gw');
});
