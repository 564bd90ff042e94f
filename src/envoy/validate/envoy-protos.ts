// Envoy's own API protos, as vendored by @grpc/grpc-js-xds (deps/envoy-api, xds, googleapis,
// protoc-gen-validate), loaded with protobufjs. Packages load on first use: a type name such as
// `envoy.extensions.filters.http.router.v3.Router` maps to the directory of its package, so only the
// protos a config actually names are parsed (the whole v3 API takes ~0.5 s, a bootstrap ~0.1 s).

import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';

/** Protos every caller needs: the bootstrap (listeners, clusters, routes, endpoints), HCM and ADS. */
const CORE_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/service/discovery/v3/ads.proto',
];

let includeDirs: string[] | undefined;
let sharedRoot: protobuf.Root | undefined;
const loadableMemo = new Map<string, boolean>();
const loadedDirs = new Set<string>();

function includes(): string[] {
  if (!includeDirs) {
    const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
    // protobufjs carries google/protobuf/descriptor.proto, which the validate annotations import.
    const protobufDir = path.dirname(require.resolve('protobufjs/package.json'));
    includeDirs = [
      path.join(deps, 'envoy-api'),
      path.join(deps, 'xds'),
      path.join(deps, 'googleapis'),
      path.join(deps, 'protoc-gen-validate'),
      protobufDir,
    ];
  }
  return includeDirs;
}

function findFile(relative: string): string | undefined {
  for (const dir of includes()) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const BUNDLED_WKT = /^google\/protobuf\/(any|api|descriptor|duration|empty|field_mask|source_context|struct|timestamp|type|wrappers)\.proto$/;

/**
 * A few vendored protos import files that are not vendored (opencensus, opentelemetry). Loading
 * them would leave half-defined types in the root, so such files are skipped up front.
 */
function loadable(relative: string): boolean {
  const memo = loadableMemo.get(relative);
  if (memo !== undefined) return memo;
  loadableMemo.set(relative, true); // breaks import cycles
  let ok = BUNDLED_WKT.test(relative);
  if (!ok) {
    const file = findFile(relative);
    if (file) {
      const text = fs.readFileSync(file, 'utf8');
      ok = [...text.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)"/gm)].every((m) => loadable(m[1]));
    }
  }
  loadableMemo.set(relative, ok);
  return ok;
}

/** The process-wide root with the core protos loaded (keepCase: field names as in the .proto). */
export function envoyRoot(): protobuf.Root {
  if (!sharedRoot) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => findFile(target) ?? target;
    root.loadSync(CORE_FILES, { keepCase: true });
    sharedRoot = root;
  }
  return sharedRoot;
}

function loadPackageDir(relativeDir: string): boolean {
  if (loadedDirs.has(relativeDir)) return false;
  loadedDirs.add(relativeDir);
  let loaded = false;
  for (const dir of includes()) {
    const full = path.join(dir, relativeDir);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) continue;
    for (const name of fs.readdirSync(full).sort()) {
      const relative = `${relativeDir}/${name}`;
      if (!name.endsWith('.proto') || !loadable(relative)) continue;
      envoyRoot().loadSync(relative, { keepCase: true });
      loaded = true;
    }
  }
  return loaded;
}

/**
 * Finds a message or enum by its full name (no leading dot), loading its package on demand.
 * Returns undefined when no vendored proto defines it.
 */
export function lookupEnvoyType(fullName: string): protobuf.Type | protobuf.Enum | undefined {
  const root = envoyRoot();
  const find = (): protobuf.Type | protobuf.Enum | undefined => {
    const found = root.lookup(fullName.replace(/^\.?/, '.'), [protobuf.Type, protobuf.Enum]);
    return (found as protobuf.Type | protobuf.Enum | null) ?? undefined;
  };
  let found = find();
  if (found) return found;
  if (!/^[A-Za-z_][\w.]*$/.test(fullName)) return undefined;
  // The package is a prefix of the name; nested types add segments, so try shorter prefixes too.
  const parts = fullName.split('.');
  for (let n = parts.length - 1; n >= 1 && !found; n--) {
    if (loadPackageDir(parts.slice(0, n).join('/'))) found = find();
  }
  return found;
}

/** Like lookupEnvoyType, for messages only; throws when the type is unknown (a programming error). */
export function envoyMessageType(fullName: string): protobuf.Type {
  const t = lookupEnvoyType(fullName);
  if (!(t instanceof protobuf.Type)) throw new Error(`no Envoy message type ${fullName}`);
  return t;
}

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export function typeUrl(fullName: string): string {
  return TYPE_URL_PREFIX + fullName;
}
