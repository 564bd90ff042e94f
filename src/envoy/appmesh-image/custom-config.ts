// ENVOY_TRACING_CFG_FILE, ENVOY_STATS_CONFIG_FILE, ENVOY_STATS_SINKS_CFG_FILE and
// ENVOY_RESOURCES_CONFIG_FILE: YAML fragments the agent merges into the bootstrap it generated.
// Its rules: one tracing and one stats config at most, stats sinks and static listeners/clusters/
// secrets are appended, any other top-level key replaces the generated one (with a warning). Keys
// may be snake_case or lowerCamelCase, but not both for the same field.

import { AgentEnvError } from './env';

type Json = Record<string, unknown>;

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Rewrites `key`'s snake_case spelling to lowerCamelCase; both present is an error. */
function normalize(m: Json, key: string): void {
  const s = snake(key);
  if (s === key || !(s in m)) return;
  if (key in m) throw new AgentEnvError(`the config contains both ${key}(lowerCamelCase) & ${s}(snake_case), specify only one of them`);
  m[key] = m[s];
  delete m[s];
}

function append(dst: Json, src: Json, key: string): void {
  if (!(key in src)) return;
  const add = Array.isArray(src[key]) ? (src[key] as unknown[]) : [src[key]];
  dst[key] = Array.isArray(dst[key]) ? [...(dst[key] as unknown[]), ...add] : add;
}

export function mergeCustomConfig(dst: Json, fragment: Json, warn: (line: string) => void): Json {
  const src = { ...fragment };
  if ('tracing' in src) {
    if ('tracing' in dst) throw new AgentEnvError('multiple tracing configurations were specified');
    dst.tracing = src.tracing;
  }
  normalize(src, 'statsConfig');
  if ('statsConfig' in src) {
    if ('statsConfig' in dst) throw new AgentEnvError('multiple stats configurations were specified');
    dst.statsConfig = src.statsConfig;
  }
  normalize(src, 'statsSinks');
  append(dst, src, 'statsSinks');
  normalize(src, 'staticResources');
  if (src.staticResources && typeof src.staticResources === 'object') {
    const into = (dst.staticResources ??= {}) as Json;
    for (const key of ['listeners', 'clusters', 'secrets']) append(into, src.staticResources as Json, key);
  }
  for (const key of ['tracing', 'statsConfig', 'statsSinks', 'staticResources']) delete src[key];
  for (const [key, value] of Object.entries(src)) {
    normalize(src, camel(key));
    const k = camel(key);
    if (k in dst) warn(`replacing an existing ${k} config`);
    dst[k] = value;
  }
  return dst;
}

export const CUSTOM_CONFIG_FILES = ['ENVOY_TRACING_CFG_FILE', 'ENVOY_STATS_CONFIG_FILE', 'ENVOY_STATS_SINKS_CFG_FILE'] as const;
