'use strict';
// Help texts for the generated command tables, written for awsmesh (the service models' own
// documentation is not copied). Operation summaries are derived from the operation name where the
// pattern says it all, and written out where it does not.

const APPMESH_NOUNS = {
  Mesh: 'service mesh',
  VirtualNode: 'virtual node',
  VirtualRouter: 'virtual router',
  VirtualService: 'virtual service',
  VirtualGateway: 'virtual gateway',
  Route: 'route of a virtual router',
  GatewayRoute: 'gateway route of a virtual gateway',
};

const VERB_TEMPLATES = {
  Create: (n) => `Create a ${n}.`,
  Describe: (n) => `Show one ${n}: its spec, status and metadata.`,
  Update: (n) => `Replace the spec of a ${n}.`,
  Delete: (n) => `Delete a ${n}.`,
  List: (n) => `List the ${n.replace(/( of .*)?$/, (m) => 's' + m)}.`,
};

const OPERATION_TEXT = {
  appmesh: {
    TagResource: 'Add or overwrite tags on an App Mesh resource (identified by ARN).',
    UntagResource: 'Remove tags (by key) from an App Mesh resource.',
    ListTagsForResource: 'List the tags of an App Mesh resource.',
    ListMeshes: 'List the service meshes of the account.',
  },
  iam: {
    CreateRole: 'Create an IAM role with a trust (assume-role) policy.',
    GetRole: 'Show one IAM role, including its trust policy.',
    ListRoles: 'List IAM roles, optionally under a path prefix.',
    DeleteRole: 'Delete an IAM role that has no attached policies.',
    UpdateRole: 'Change the description or maximum session duration of a role.',
    UpdateRoleDescription: 'Change the description of a role.',
    UpdateAssumeRolePolicy: 'Replace the trust policy of a role.',
    CreatePolicy: 'Create a customer managed policy from a policy document.',
    GetPolicy: 'Show one managed policy (customer or AWS managed).',
    ListPolicies: 'List managed policies, filtered by scope, path and attachment.',
    DeletePolicy: 'Delete a customer managed policy that is attached to nothing.',
    CreatePolicyVersion: 'Add a new version of a managed policy, optionally as the default.',
    GetPolicyVersion: 'Show one version of a managed policy, with its document.',
    ListPolicyVersions: 'List the versions of a managed policy.',
    DeletePolicyVersion: 'Delete a non-default version of a managed policy.',
    SetDefaultPolicyVersion: 'Make a version the default version of a managed policy.',
    AttachRolePolicy: 'Attach a managed policy to a role.',
    DetachRolePolicy: 'Detach a managed policy from a role.',
    ListAttachedRolePolicies: 'List the managed policies attached to a role.',
    ListEntitiesForPolicy: 'List the roles a managed policy is attached to.',
    TagRole: 'Add or overwrite tags on a role.',
    UntagRole: 'Remove tags (by key) from a role.',
    ListRoleTags: 'List the tags of a role.',
    CreateUser: 'Create an IAM user (an identity that signs requests with its access keys).',
    GetUser: 'Show one IAM user (the caller when no name is given).',
    ListUsers: 'List IAM users, optionally under a path prefix.',
    DeleteUser: 'Delete an IAM user that has no access keys and no policies.',
    CreateAccessKey: 'Create an access key for a user; its secret is shown only in this answer.',
    ListAccessKeys: 'List the access keys of a user (ids and status, never secrets).',
    UpdateAccessKey: 'Make an access key Active or Inactive.',
    DeleteAccessKey: 'Delete an access key.',
    AttachUserPolicy: 'Attach a managed policy to a user.',
    DetachUserPolicy: 'Detach a managed policy from a user.',
    ListAttachedUserPolicies: 'List the managed policies attached to a user.',
    PutUserPolicy: 'Add or replace an inline policy of a user.',
    GetUserPolicy: 'Show one inline policy of a user, with its document.',
    DeleteUserPolicy: 'Delete an inline policy of a user.',
    ListUserPolicies: 'List the names of a user\'s inline policies.',
  },
  sts: {
    GetCallerIdentity: 'Show the account, user id and ARN of the identity that signed the request.',
  },
  servicediscovery: {
    CreateHttpNamespace: 'Create a namespace whose instances are found by API calls only.',
    CreatePrivateDnsNamespace: 'Create a namespace served by private DNS inside a VPC.',
    CreatePublicDnsNamespace: 'Create a namespace served by public DNS.',
    UpdateHttpNamespace: 'Change the description of an HTTP namespace.',
    UpdatePrivateDnsNamespace: 'Change the properties of a private DNS namespace.',
    UpdatePublicDnsNamespace: 'Change the properties of a public DNS namespace.',
    GetNamespace: 'Show one namespace.',
    ListNamespaces: 'List namespaces, optionally filtered.',
    DeleteNamespace: 'Delete a namespace that has no services.',
    GetOperation: 'Show the status of an asynchronous operation.',
    ListOperations: 'List asynchronous operations, optionally filtered.',
    CreateService: 'Create a service in a namespace.',
    GetService: 'Show one service.',
    ListServices: 'List services, optionally filtered by namespace.',
    UpdateService: 'Change the description, DNS or health-check settings of a service.',
    DeleteService: 'Delete a service that has no registered instances.',
    GetServiceAttributes: 'Show the custom attributes of a service.',
    UpdateServiceAttributes: 'Add or change custom attributes of a service.',
    DeleteServiceAttributes: 'Remove custom attributes from a service.',
    RegisterInstance: 'Register (or re-register) an instance of a service with its attributes.',
    DeregisterInstance: 'Remove an instance from a service.',
    GetInstance: 'Show one registered instance.',
    ListInstances: 'List the instances registered for a service.',
    DiscoverInstances: 'Find the instances of a service, filtered by attributes and health.',
    DiscoverInstancesRevision: 'Show the revision number of a service\'s instance set.',
    GetInstancesHealthStatus: 'Show the health status of instances of a service.',
    UpdateInstanceCustomHealthStatus: 'Set the custom health status of an instance.',
    TagResource: 'Add or overwrite tags on a namespace or service.',
    UntagResource: 'Remove tags (by key) from a namespace or service.',
    ListTagsForResource: 'List the tags of a namespace or service.',
  },
};

// Top-level parameter help, keyed by the model's member name.
const MEMBER_TEXT = {
  meshName: 'Name of the service mesh.',
  meshOwner: 'Account ID (12 digits) that owns the mesh, when it is shared with you.',
  virtualNodeName: 'Name of the virtual node.',
  virtualRouterName: 'Name of the virtual router.',
  virtualServiceName: 'Name of the virtual service (usually a DNS-style name).',
  virtualGatewayName: 'Name of the virtual gateway.',
  routeName: 'Name of the route.',
  gatewayRouteName: 'Name of the gateway route.',
  spec: 'The resource specification (JSON, YAML-free shorthand or file://).',
  tags: 'Tags as a list of key/value pairs (key=env,value=dev or JSON).',
  tagKeys: 'Keys of the tags to remove.',
  clientToken: 'Idempotency token: repeat a request with the same token to get the same result.',
  resourceArn: 'ARN of the resource.',
  limit: 'Page size for the underlying API call.',
  nextToken: 'Token of the page to fetch (disables automatic pagination).',
  // IAM
  RoleName: 'Name of the IAM role.',
  AssumeRolePolicyDocument: 'Trust policy of the role as JSON (inline or file://).',
  PolicyDocument: 'Policy document as JSON (inline or file://).',
  PolicyName: 'Name of the managed policy.',
  PolicyArn: 'ARN of the managed policy.',
  Path: 'Path of the entity; defaults to "/".',
  PathPrefix: 'Only entities whose path starts with this prefix.',
  Description: 'Free-text description.',
  MaxSessionDuration: 'Maximum session duration in seconds (3600 to 43200).',
  PermissionsBoundary: 'ARN of the policy used as permissions boundary.',
  Tags: 'Tags as a list of Key/Value pairs.',
  TagKeys: 'Keys of the tags to remove.',
  VersionId: 'Policy version identifier, such as v1.',
  SetAsDefault: 'Make the new version the default version.',
  Scope: 'Which policies to list: All, AWS (managed by AWS) or Local (yours).',
  OnlyAttached: 'List only policies attached to at least one entity.',
  PolicyUsageFilter: 'Only policies used as permissions policy or as boundary.',
  EntityFilter: 'Only entities of this type.',
  UserName: 'Name of the IAM user.',
  AccessKeyId: 'ID of the access key (AKIA…).',
  Marker: 'Token of the page to fetch (disables automatic pagination).',
  MaxItems: 'Page size for the underlying API call.',
  // Cloud Map
  Name: 'Name of the namespace or service.',
  CreatorRequestId: 'Idempotency token for create calls; a retry with the same token is not repeated.',
  UpdaterRequestId: 'Idempotency token for update calls.',
  Vpc: 'ID of the VPC the private DNS namespace belongs to.',
  Properties: 'Namespace properties (DNS SOA settings and HTTP name).',
  Id: 'ID of the namespace, service or operation.',
  NamespaceId: 'ID of the namespace.',
  NamespaceName: 'Name of the namespace (HTTP name).',
  ServiceId: 'ID of the service.',
  ServiceName: 'Name of the service.',
  InstanceId: 'ID of the instance, unique within its service.',
  Attributes: 'Instance or service attributes as a map (AWS_INSTANCE_IPV4=10.0.0.1,AWS_INSTANCE_PORT=80).',
  DnsConfig: 'DNS records Cloud Map keeps for the service\'s instances.',
  HealthCheckConfig: 'Route 53 health check settings.',
  HealthCheckCustomConfig: 'Custom health check settings (status reported through the API).',
  Type: 'Service type: HTTP, or DNS_HTTP for services with DNS records.',
  Filters: 'Filters to narrow the list.',
  MaxResults: 'Maximum number of results to return.',
  NextToken: 'Token of the page to fetch (disables automatic pagination).',
  OperationId: 'ID of the asynchronous operation.',
  QueryParameters: 'Only instances whose attributes have these values.',
  OptionalParameters: 'Prefer instances with these attribute values, fall back to all when none match.',
  HealthStatus: 'Health status filter (HEALTHY, UNHEALTHY, ALL, HEALTHY_OR_ELSE_ALL).',
  Status: 'Custom health status: HEALTHY or UNHEALTHY.',
  Instances: 'IDs of the instances.',
  OwnerAccount: 'Account ID that owns the namespace.',
  ResourceARN: 'ARN of the namespace or service.',
  Namespace: 'Namespace settings to change.',
  Service: 'Service settings to change.',
};

function operationDescription(service, op) {
  const explicit = (OPERATION_TEXT[service] || {})[op];
  if (explicit) return explicit;
  if (service === 'appmesh') {
    const m = /^(Create|Describe|Update|Delete|List)(\w+?)s?$/.exec(op);
    if (m && APPMESH_NOUNS[m[2]]) return VERB_TEMPLATES[m[1]](APPMESH_NOUNS[m[2]]);
  }
  throw new Error(`no description for ${service} ${op}: add one to scripts/descriptions.js`);
}

function memberDescription(name) {
  return MEMBER_TEXT[name] || '';
}

module.exports = { operationDescription, memberDescription };
