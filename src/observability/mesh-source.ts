// What `local stat|graph|check` look at: the mesh definitions (through the same backend the
// proxies use: the local store, or --endpoint-url) and the proxies recorded under AWSMESH_HOME.

import type { App } from '../core/app';
import { NothingThereError, UsageError } from '../base/errors';
import { loadMeshSnapshot } from '../mesh/load';
import type { MeshSnapshot } from '../mesh/types';
import { discoverProxies, type DiscoveredProxy } from './discovery';

export function awsmeshHome(app: App): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { localSettings } = require('../backends/local/settings') as typeof import('../backends/local/settings');
  return localSettings(app.env).home;
}

/** Every mesh name (all pages of ListMeshes). */
export async function listMeshes(app: App): Promise<string[]> {
  const meshes = await (await app.dispatcher()).all('appmesh', 'ListMeshes', {});
  return meshes.map((m) => m.meshName);
}

/**
 * The meshes to report on: the one named (which must exist, else the DescribeMesh error),
 * else those with running proxies, else every mesh.
 */
export async function meshesToShow(app: App, named: string | undefined, proxies: DiscoveredProxy[]): Promise<string[]> {
  if (named !== undefined) return [named];
  const running = [...new Set(proxies.filter((p) => p.running).map((p) => p.mesh))];
  if (running.length) return running.sort();
  return listMeshes(app);
}

/** meshesToShow for a report on meshes (`local stat`, `local graph`): no mesh at all is "nothing there" (254). */
export async function meshesToReport(app: App, named: string | undefined, proxies: DiscoveredProxy[]): Promise<string[]> {
  const meshes = await meshesToShow(app, named, proxies);
  if (!meshes.length) throw new NothingThereError('No meshes found: create one (awsmesh appmesh create-mesh --mesh-name apps) or name one with --mesh.');
  return meshes;
}

export async function loadSnapshot(app: App, mesh: string): Promise<MeshSnapshot> {
  const api = await app.dispatcher();
  return loadMeshSnapshot(api, mesh, { region: api.region });
}

export function proxiesOf(app: App, mesh?: string): DiscoveredProxy[] {
  return discoverProxies(awsmeshHome(app), mesh);
}

/** `--interval`-style seconds: a positive number up to an hour. */
export function secondsOption(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 3600) {
    throw new UsageError(`argument --${name}: expected a number of seconds greater than 0 (at most 3600), got '${value}'`);
  }
  return n;
}
