// App Mesh route precedence (dataplane.md §1.7). Envoy takes the first matching route, so
// precedence is the emission order: explicit priority (0 = highest, unset after every set one),
// then the most specific match (longest prefix, exact paths and regexes before prefixes, more
// header/query conditions first), then creation order and name. The last three are our reading of
// "longest prefix wins"; App Mesh never documented its tie-breaks.

import type { RouteMatch } from './envoy-types';
import { matchSpecificity } from './match';

export interface Ordered<T> {
  item: T;
  priority?: number;
  match: RouteMatch;
  createdAt?: number | string | Date;
  name: string;
}

function epoch(t: number | string | Date | undefined): number {
  if (t === undefined) return 0;
  if (t instanceof Date) return t.getTime() / 1000;
  return typeof t === 'number' ? t : Date.parse(t) / 1000 || Number(t) || 0;
}

export function byPrecedence<T>(entries: Array<Ordered<T>>): T[] {
  return [...entries]
    .sort((a, b) =>
      (a.priority ?? 1001) - (b.priority ?? 1001)
      || matchSpecificity(b.match) - matchSpecificity(a.match)
      || epoch(a.createdAt) - epoch(b.createdAt)
      || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => e.item);
}
