// The local App Mesh control plane: all 38 operations of API 2019-01-25 on the shared store.

import type { Provider } from '../provider';
import { KINDS } from './kinds';
import { resourceHandlers } from './resources';
import { tagHandlers } from './tags';

export const provider: Provider = Object.assign(
  {},
  ...Object.values(KINDS).map(resourceHandlers),
  tagHandlers,
) as Provider;
