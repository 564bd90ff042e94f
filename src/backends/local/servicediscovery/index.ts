// The local Cloud Map (servicediscovery) provider: all 30 operations.

import type { ServiceDiscoveryApi } from '../../../generated/servicediscovery-api';
import type { ProviderContext } from '../provider';
import { discoverInstances, discoverInstancesRevision } from './discovery';
import {
  deregisterInstance, getInstance, getInstancesHealthStatus, listInstances, registerInstance,
  updateInstanceCustomHealthStatus,
} from './instances';
import {
  createHttpNamespace, createPrivateDnsNamespace, createPublicDnsNamespace, deleteNamespace, getNamespace,
  listNamespaces, updateHttpNamespace, updatePrivateDnsNamespace, updatePublicDnsNamespace,
} from './namespaces';
import { getOperation, listOperations } from './operations';
import {
  createService, deleteService, deleteServiceAttributes, getService, getServiceAttributes, listServices,
  updateService, updateServiceAttributes,
} from './services';
import { listTagsForResource, tagResource, untagResource } from './tags';

export const provider: ServiceDiscoveryApi<ProviderContext> = {
  CreateHttpNamespace: createHttpNamespace,
  CreatePrivateDnsNamespace: createPrivateDnsNamespace,
  CreatePublicDnsNamespace: createPublicDnsNamespace,
  GetNamespace: getNamespace,
  ListNamespaces: listNamespaces,
  UpdateHttpNamespace: updateHttpNamespace,
  UpdatePrivateDnsNamespace: updatePrivateDnsNamespace,
  UpdatePublicDnsNamespace: updatePublicDnsNamespace,
  DeleteNamespace: deleteNamespace,
  CreateService: createService,
  GetService: getService,
  ListServices: listServices,
  UpdateService: updateService,
  DeleteService: deleteService,
  GetServiceAttributes: getServiceAttributes,
  UpdateServiceAttributes: updateServiceAttributes,
  DeleteServiceAttributes: deleteServiceAttributes,
  RegisterInstance: registerInstance,
  DeregisterInstance: deregisterInstance,
  GetInstance: getInstance,
  ListInstances: listInstances,
  GetInstancesHealthStatus: getInstancesHealthStatus,
  UpdateInstanceCustomHealthStatus: updateInstanceCustomHealthStatus,
  DiscoverInstances: discoverInstances,
  DiscoverInstancesRevision: discoverInstancesRevision,
  GetOperation: getOperation,
  ListOperations: listOperations,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
