// The local App Mesh control plane: all 38 operations of API 2019-01-25 on the shared store. The
// generated AppMeshApi type makes a missing operation a compile error.

import type { AppMeshApi } from '../../../generated/appmesh-api';
import type { ProviderContext } from '../provider';
import { resourceHandlers } from './resources';
import { tagHandlers } from './tags';

export const provider: AppMeshApi<ProviderContext> = {
  ...resourceHandlers('Mesh'),
  ...resourceHandlers('VirtualNode'),
  ...resourceHandlers('VirtualRouter'),
  ...resourceHandlers('Route'),
  ...resourceHandlers('VirtualService'),
  ...resourceHandlers('VirtualGateway'),
  ...resourceHandlers('GatewayRoute'),
  ...tagHandlers,
};
