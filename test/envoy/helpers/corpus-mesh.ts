// Loads the walkthrough and the corpus of real App Mesh specs into a local backend, one mesh per
// directory. The corpus files hold specs only (names came from the scripts' CLI flags), so names
// are taken from the file when present and from the file name otherwise, and resources the specs
// refer to but the directory does not define (targets, providers, backends) are added as stubs.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';
import { CORPUS, loadCorpus, type Kind } from '../../helpers/corpus';

export const REGION = 'us-west-2';
export const ACCOUNT = '111122223333';
export const WALKTHROUGH = path.resolve(__dirname, '..', '..', '..', 'examples', 'walkthrough-ec2');

type Json = Record<string, any>;

export interface LoadedMesh {
  mesh: string;
  source: string;
  nodes: string[];
  gateways: string[];
}

export interface LocalMeshes {
  home: string;
  backend: LocalBackend;
  call(op: string, input: Json): Promise<Json>;
  close(): Promise<void>;
}

export function openLocalMeshes(): LocalMeshes {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-envoy-'));
  // One mesh per corpus directory is more than App Mesh's default quota of 15 meshes.
  const env = { AWSMESH_QUOTA_MESHES_PER_ACCOUNT: '100', AWSMESH_QUOTA_VIRTUAL_GATEWAYS_PER_MESH: '20', AWSMESH_QUOTA_GATEWAY_ROUTES_PER_VIRTUAL_GATEWAY: '50' };
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: ACCOUNT, env });
  return {
    home,
    backend,
    call: (op, input) => backend.invoke('appmesh', op, input, { region: REGION }) as Promise<Json>,
    async close() {
      await backend.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The EC2 getting-started walkthrough, in the order its commands run (ends with the 75/25 route). */
export async function loadWalkthrough(m: LocalMeshes): Promise<LoadedMesh> {
  const file = (name: string) => JSON.parse(fs.readFileSync(path.join(WALKTHROUGH, name), 'utf8'));
  await m.call('CreateMesh', { meshName: 'apps' });
  await m.call('CreateVirtualService', { meshName: 'apps', virtualServiceName: 'serviceb.apps.local', spec: {} });
  await m.call('CreateVirtualNode', file('create-virtual-node-serviceb.json'));
  await m.call('CreateVirtualRouter', file('create-virtual-router.json'));
  await m.call('CreateRoute', file('create-route.json'));
  await m.call('CreateVirtualNode', file('create-virtual-node-servicebv2.json'));
  await m.call('CreateVirtualNode', file('create-virtual-node-servicea.json'));
  await m.call('UpdateVirtualService', file('update-virtual-service.json'));
  await m.call('UpdateRoute', file('update-route.json'));
  await m.call('CreateVirtualService', file('create-virtual-servicea.json'));
  return { mesh: 'apps', source: 'walkthrough', nodes: ['serviceA', 'serviceB', 'serviceBv2'], gateways: [] };
}

const ORDER: Kind[] = ['Mesh', 'VirtualNode', 'VirtualRouter', 'Route', 'VirtualService', 'VirtualGateway', 'GatewayRoute'];
const NAME_MEMBER: Record<Kind, string> = {
  Mesh: 'meshName', VirtualNode: 'virtualNodeName', VirtualRouter: 'virtualRouterName', Route: 'routeName',
  VirtualService: 'virtualServiceName', VirtualGateway: 'virtualGatewayName', GatewayRoute: 'gatewayRouteName',
};

interface Item {
  kind: Kind;
  file: string;
  input: Json;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
}

/** A readable mesh name for a corpus directory: its distinctive path parts. */
function meshName(dir: string): string {
  const generic = new Set(['blogs', 'walkthroughs', 'examples', 'apps', 'mesh', 'deployments', 'platformdeployment', 'AWS', 'ECS', 'config', 'servicemesh']);
  return slug(dir.split('/').filter((p) => !generic.has(p)).join('-'));
}

/** The moto test data: spec dicts named <protocol>_<kind>_spec.json. */
function motoItems(): Item[] {
  const dir = path.join(CORPUS, '_moto-test-data');
  if (!fs.existsSync(dir)) return [];
  const kinds: Array<[RegExp, Kind]> = [[/gateway_route/, 'GatewayRoute'], [/virtual_gateway/, 'VirtualGateway'], [/virtual_node/, 'VirtualNode'], [/route/, 'Route']];
  return fs.readdirSync(dir).sort().flatMap((f) => {
    const kind = kinds.find(([re]) => re.test(f))?.[1];
    if (!kind) return [];
    return [{ kind, file: `_moto-test-data/${f}`, input: { spec: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) } }];
  });
}

function routeKind(spec: Json): 'http' | 'http2' | 'grpc' | 'tcp' {
  if (spec.http2Route) return 'http2';
  if (spec.grpcRoute) return 'grpc';
  if (spec.tcpRoute) return 'tcp';
  return 'http';
}

/** Builds one mesh from a directory's specs; returns what exists afterwards plus any failures. */
async function loadDirectory(m: LocalMeshes, mesh: string, source: string, items: Item[], failures: string[]): Promise<LoadedMesh> {
  const meshItem = items.find((i) => i.kind === 'Mesh');
  await m.call('CreateMesh', { meshName: mesh, spec: meshItem?.input.spec ?? {} });
  const nodes = new Map<string, Json>();
  const routers = new Map<string, Json>();
  const services = new Set<string>();
  const gateways = new Map<string, Json>();
  const used = new Set<string>();
  const nameFor = (item: Item) => {
    const given = item.input[NAME_MEMBER[item.kind]];
    let name = typeof given === 'string' && !/^(virtualNode|virtualRouter|route|virtualService|virtualGateway|gatewayRoute)-\d+$/.test(given)
      ? given
      : slug(path.basename(item.file, '.json'));
    while (used.has(`${item.kind}/${name}`)) name = `${name}-x`;
    used.add(`${item.kind}/${name}`);
    return name;
  };
  const create = async (op: string, input: Json, file: string): Promise<boolean> => {
    try {
      await m.call(op, { ...input, meshName: mesh });
      return true;
    } catch (e) {
      failures.push(`${file}: ${op}: ${(e as Error).message}`);
      return false;
    }
  };
  const stubNode = async (name: string, protocol: string, port: number) => {
    if (nodes.has(name)) return;
    const spec = { listeners: [{ portMapping: { port, protocol } }], serviceDiscovery: { dns: { hostname: `${name}.${mesh}.local` } } };
    if (await create('CreateVirtualNode', { virtualNodeName: name, spec }, `stub node ${name}`)) nodes.set(name, spec);
  };
  const stubService = async (name: string) => {
    if (services.has(name)) return;
    if (await create('CreateVirtualService', { virtualServiceName: name, spec: {} }, `stub service ${name}`)) services.add(name);
  };
  const byKind = (k: Kind) => items.filter((i) => i.kind === k);

  for (const item of byKind('VirtualNode')) {
    const name = nameFor(item);
    if (await create('CreateVirtualNode', { spec: item.input.spec, virtualNodeName: name }, item.file)) nodes.set(name, item.input.spec);
  }
  for (const item of byKind('VirtualRouter')) {
    const name = nameFor(item);
    if (await create('CreateVirtualRouter', { spec: item.input.spec, virtualRouterName: name }, item.file)) routers.set(name, item.input.spec);
  }
  for (const item of byKind('Route')) {
    const spec = item.input.spec ?? {};
    const protocol = routeKind(spec);
    const action = (spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute ?? spec.tcpRoute)?.action;
    for (const t of action?.weightedTargets ?? []) await stubNode(t.virtualNode, protocol, t.port ?? 8080);
    const port: number | undefined = (spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute ?? spec.tcpRoute)?.match?.port;
    const fits = (s: Json) => (s.listeners ?? []).some((l: Json) => l.portMapping?.protocol === protocol && (port === undefined || l.portMapping?.port === port));
    let router = typeof item.input.virtualRouterName === 'string' && routers.has(item.input.virtualRouterName) ? item.input.virtualRouterName : undefined;
    router ??= [...routers].find(([, s]) => fits(s))?.[0];
    if (!router) {
      router = `router-${protocol}-${port ?? 8080}`;
      const routerSpec = { listeners: [{ portMapping: { port: port ?? 8080, protocol } }] };
      if (!routers.has(router) && await create('CreateVirtualRouter', { virtualRouterName: router, spec: routerSpec }, `stub router ${router}`)) routers.set(router, routerSpec);
    }
    await create('CreateRoute', { spec, virtualRouterName: router, routeName: nameFor(item) }, item.file);
  }
  for (const item of byKind('VirtualService')) {
    const name = typeof item.input.virtualServiceName === 'string' && !/^virtualService-\d+$/.test(item.input.virtualServiceName)
      ? item.input.virtualServiceName : `${slug(path.basename(item.file, '.json'))}.${mesh}.local`;
    const provider = item.input.spec?.provider;
    if (provider?.virtualNode) await stubNode(provider.virtualNode.virtualNodeName, 'http', 8080);
    if (provider?.virtualRouter && !routers.has(provider.virtualRouter.virtualRouterName)) {
      const routerSpec = { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] };
      if (await create('CreateVirtualRouter', { virtualRouterName: provider.virtualRouter.virtualRouterName, spec: routerSpec }, `stub router for ${item.file}`)) {
        routers.set(provider.virtualRouter.virtualRouterName, routerSpec);
      }
    }
    if (services.has(name)) continue;
    if (await create('CreateVirtualService', { spec: item.input.spec, virtualServiceName: name }, item.file)) services.add(name);
  }
  // Backends of nodes: services that no file defines exist without a provider (as App Mesh allows).
  for (const spec of nodes.values()) {
    for (const b of spec.backends ?? []) if (b.virtualService) await stubService(b.virtualService.virtualServiceName);
  }
  for (const item of byKind('VirtualGateway')) {
    const name = nameFor(item);
    if (await create('CreateVirtualGateway', { spec: item.input.spec, virtualGatewayName: name }, item.file)) gateways.set(name, item.input.spec);
  }
  for (const item of byKind('GatewayRoute')) {
    const spec = item.input.spec ?? {};
    const protocol = routeKind(spec);
    const target = (spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute)?.action?.target?.virtualService?.virtualServiceName;
    if (target) await stubService(target);
    let gateway = typeof item.input.virtualGatewayName === 'string' && gateways.has(item.input.virtualGatewayName) ? item.input.virtualGatewayName : undefined;
    gateway ??= [...gateways].find(([, s]) => (s.listeners ?? []).some((l: Json) => l.portMapping?.protocol === protocol))?.[0];
    if (!gateway) {
      gateway = `gateway-${protocol}`;
      const gwSpec = { listeners: [{ portMapping: { port: 8080, protocol } }] };
      if (!gateways.has(gateway) && await create('CreateVirtualGateway', { virtualGatewayName: gateway, spec: gwSpec }, `stub gateway ${gateway}`)) gateways.set(gateway, gwSpec);
    }
    await create('CreateGatewayRoute', { spec, virtualGatewayName: gateway, gatewayRouteName: nameFor(item) }, item.file);
  }
  return { mesh, source, nodes: [...nodes.keys()], gateways: [...gateways.keys()] };
}

/** Every corpus directory as a mesh (plus the moto data as one more). */
export async function loadCorpusMeshes(m: LocalMeshes): Promise<{ meshes: LoadedMesh[]; failures: string[] }> {
  const byDir = new Map<string, Item[]>();
  for (const spec of loadCorpus()) {
    const dir = path.dirname(spec.file).replace(/\/(updates|update_routes)$/, '');
    if (!byDir.has(dir)) byDir.set(dir, []);
    byDir.get(dir)!.push({ kind: spec.kind, file: spec.file, input: spec.input });
  }
  byDir.set('_moto-test-data', motoItems());
  const failures: string[] = [];
  const meshes: LoadedMesh[] = [];
  for (const [dir, items] of byDir) {
    items.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
    meshes.push(await loadDirectory(m, meshName(dir), dir, items, failures));
  }
  return { meshes, failures };
}
