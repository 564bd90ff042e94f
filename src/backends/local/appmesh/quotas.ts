// App Mesh's default service quotas (appmesh-api.md §1.5), overridable per AWSMESH_HOME in
// config.json ({"quotas": {"virtualNodesPerMesh": 20000}}) and by AWSMESH_QUOTA_* variables
// (AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH=20000); a variable wins over the file.

import { type Stats, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { ConfigError } from '../../../base/errors';
import type { LocalSettings } from '../provider';

export const DEFAULT_QUOTAS = {
  meshesPerAccount: 15,
  virtualServicesPerMesh: 200,
  virtualNodesPerMesh: 200,
  virtualRoutersPerMesh: 200,
  routesPerVirtualRouter: 50,
  virtualGatewaysPerMesh: 3,
  gatewayRoutesPerVirtualGateway: 10,
  weightedTargetsPerRoute: 10,
  backendsPerVirtualNode: 50,
};

export type QuotaName = keyof typeof DEFAULT_QUOTAS;
export type Quotas = Record<QuotaName, number>;

export const CONFIG_FILE = 'config.json';

/** virtualNodesPerMesh → AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH */
export function quotaEnvName(name: QuotaName): string {
  return `AWSMESH_QUOTA_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function positiveInteger(value: unknown, where: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(`${where}: expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

let cache: { file: string; mtimeMs: number; size: number; quotas: Partial<Quotas> } | undefined;

/** The `quotas` object of config.json (cached while the file is unchanged). */
function fileQuotas(home: string): Partial<Quotas> {
  const file = join(home, CONFIG_FILE);
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return {};
  }
  if (cache && cache.file === file && cache.mtimeMs === stat.mtimeMs && cache.size === stat.size) return cache.quotas;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const section = (doc as { quotas?: unknown } | null)?.quotas;
  const quotas: Partial<Quotas> = {};
  if (section !== undefined) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      throw new ConfigError(`${file}: "quotas" must be an object`);
    }
    for (const [key, value] of Object.entries(section)) {
      if (key in DEFAULT_QUOTAS) quotas[key as QuotaName] = positiveInteger(value, `${file}: quotas.${key}`);
      // Other keys may belong to other services' quotas; they are not ours to reject.
    }
  }
  cache = { file, mtimeMs: stat.mtimeMs, size: stat.size, quotas };
  return quotas;
}

export function loadQuotas(settings: LocalSettings): Quotas {
  const env = settings.env ?? process.env;
  const fromFile = fileQuotas(settings.home);
  const out = { ...DEFAULT_QUOTAS, ...fromFile };
  for (const name of Object.keys(DEFAULT_QUOTAS) as QuotaName[]) {
    const v = env[quotaEnvName(name)];
    if (v !== undefined && v !== '') out[name] = positiveInteger(v, quotaEnvName(name));
  }
  return out;
}
