// The page and its arguments in the address's fragment: #/topology, #/resources/<key>,
// #/routes/<router>/<route>, #/proxies; the mesh as ?mesh=.

import { useEffect, useState } from 'preact/hooks';

export type PageName = 'topology' | 'resources' | 'routes' | 'proxies';
export const PAGES: Array<{ name: PageName; title: string }> = [
  { name: 'topology', title: 'Topology' },
  { name: 'resources', title: 'Resources' },
  { name: 'routes', title: 'Route editor' },
  { name: 'proxies', title: 'Proxies' },
];

export interface Location {
  page: PageName;
  args: string[];
  mesh?: string;
}

export function parseHash(hash: string): Location {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const page = PAGES.some((p) => p.name === parts[0]) ? parts[0] as PageName : 'topology';
  const mesh = new URLSearchParams(query).get('mesh') ?? undefined;
  return { page, args: page === parts[0] ? parts.slice(1) : [], mesh };
}

export function href(page: PageName, args: string[] = [], mesh?: string): string {
  return `#/${[page, ...args].map(encodeURIComponent).join('/')}${mesh ? `?mesh=${encodeURIComponent(mesh)}` : ''}`;
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setLoc(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return loc;
}
