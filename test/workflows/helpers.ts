// Shared helpers of the workflow tests: temp manifest trees, a clean mesh set, and the corpus
// walkthroughs turned into named manifests.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { CORPUS, renderTemplate } from '../helpers/corpus';
import { runCli } from '../helpers/run-cli';

const dirs: string[] = [];

/** A fresh temp directory (removed by cleanupDirs). */
export function tempDir(prefix = 'awsmesh-wf-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Writes files (relative path → content) under dir; returns dir. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return dir;
}

/** Every file under dir (relative path → content), for byte-for-byte comparisons. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return out;
}

export type Doc = Record<string, unknown>;

export function yamlStream(docs: Doc[]): string {
  return docs.map((d) => YAML.stringify(d)).join('---\n');
}

/**
 * A small mesh with every kind and no finding at all: a gateway reaches `front`, `front` calls
 * `color`, a router splits `color` between two nodes.
 */
export function cleanMesh(mesh = 'm'): Doc[] {
  const http = (port: number) => ({ portMapping: { port, protocol: 'http' } });
  return [
    { kind: 'Mesh', meshName: mesh, spec: {} },
    {
      kind: 'VirtualNode', meshName: mesh, virtualNodeName: 'front',
      spec: { listeners: [http(8080)], serviceDiscovery: { dns: { hostname: `front.${mesh}.local` } }, backends: [{ virtualService: { virtualServiceName: `color.${mesh}.local` } }] },
    },
    {
      kind: 'VirtualNode', meshName: mesh, virtualNodeName: 'blue',
      spec: {
        listeners: [{ ...http(9080), healthCheck: { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 2, timeoutMillis: 2000, intervalMillis: 5000 } }],
        serviceDiscovery: { dns: { hostname: `blue.${mesh}.local` } },
      },
    },
    { kind: 'VirtualNode', meshName: mesh, virtualNodeName: 'green', spec: { listeners: [http(9080)], serviceDiscovery: { dns: { hostname: `green.${mesh}.local` } } } },
    { kind: 'VirtualRouter', meshName: mesh, virtualRouterName: 'color-router', spec: { listeners: [http(9080)] } },
    {
      kind: 'Route', meshName: mesh, virtualRouterName: 'color-router', routeName: 'color-route',
      spec: {
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNode: 'blue', weight: 50 }, { virtualNode: 'green', weight: 50 }] },
          retryPolicy: { maxRetries: 2, perRetryTimeout: { value: 2, unit: 's' }, httpRetryEvents: ['server-error'] },
          timeout: { perRequest: { value: 10, unit: 's' } },
        },
      },
    },
    { kind: 'VirtualService', meshName: mesh, virtualServiceName: `color.${mesh}.local`, spec: { provider: { virtualRouter: { virtualRouterName: 'color-router' } } } },
    { kind: 'VirtualService', meshName: mesh, virtualServiceName: `front.${mesh}.local`, spec: { provider: { virtualNode: { virtualNodeName: 'front' } } } },
    { kind: 'VirtualGateway', meshName: mesh, virtualGatewayName: 'gw', spec: { listeners: [http(8088)] } },
    {
      kind: 'GatewayRoute', meshName: mesh, virtualGatewayName: 'gw', gatewayRouteName: 'gw-front',
      spec: { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: `front.${mesh}.local` } } } } },
    },
  ];
}

const WALKTHROUGHS = path.join(CORPUS, 'aws-app-mesh-examples', 'walkthroughs');

interface CorpusEntry {
  file: string;
  kind: string;
  names: Record<string, string>;
  /** Values for the template's $VARs that must differ from the defaults of renderTemplate. */
  vars?: Record<string, string>;
}

/** Renders corpus files with the names their walkthrough's mesh.sh passes as CLI flags. */
function corpusSet(dir: string, mesh: string, entries: CorpusEntry[]): Doc[] {
  return entries.map((e) => {
    let text = fs.readFileSync(path.join(WALKTHROUGHS, dir, 'mesh', e.file), 'utf8');
    for (const [k, v] of Object.entries(e.vars ?? {})) text = text.split(`$${k}`).join(JSON.stringify(v));
    const doc = JSON.parse(renderTemplate(text)) as Doc;
    return { kind: e.kind, meshName: mesh, ...e.names, ...doc };
  });
}

/** howto-timeout-policy: router with three routes, a gateway, all references resolved. */
export function timeoutPolicyMesh(mesh = 'howto-timeout-policy'): Doc[] {
  const route = (file: string, routeName: string): CorpusEntry => ({ file, kind: 'Route', names: { virtualRouterName: 'colorteller-vr', routeName } });
  return corpusSet('howto-timeout-policy', mesh, [
    { file: 'mesh.json', kind: 'Mesh', names: {} },
    { file: 'colorgateway-vn.json', kind: 'VirtualNode', names: { virtualNodeName: 'ColorGateway' } },
    { file: 'colorteller-vn.json', kind: 'VirtualNode', names: { virtualNodeName: 'ColorTellerRed' } },
    { file: 'colorteller-white-vn.json', kind: 'VirtualNode', names: { virtualNodeName: 'ColorTellerWhite' } },
    { file: 'colorteller-vr.json', kind: 'VirtualRouter', names: { virtualRouterName: 'colorteller-vr' } },
    route('colorteller-route.json', 'colorteller-route'),
    route('colorteller-route1.json', 'colorteller-route1'),
    route('colorteller-route2.json', 'colorteller-route2'),
    { file: 'colorteller-vs.json', kind: 'VirtualService', names: { virtualServiceName: 'colorteller.mesh.local' } },
    { file: 'publicgateway-vg.json', kind: 'VirtualGateway', names: { virtualGatewayName: 'public-gateway' } },
    { file: 'publicgateway-route.json', kind: 'GatewayRoute', names: { virtualGatewayName: 'public-gateway', gatewayRouteName: 'public-gateway-route' } },
  ]);
}

/** howto-timeout-policy's later step: the *-timeout20s files as updates of the same resources. */
export function timeoutPolicyUpdates(mesh = 'howto-timeout-policy'): Doc[] {
  return corpusSet('howto-timeout-policy', mesh, [
    { file: 'colorgateway-vn-timeout20s.json', kind: 'VirtualNode', names: { virtualNodeName: 'ColorGateway' } },
    { file: 'colorteller-white-vn-timeout20s.json', kind: 'VirtualNode', names: { virtualNodeName: 'ColorTellerWhite' } },
    { file: 'colorteller-route-timeout20s.json', kind: 'Route', names: {} },
  ]);
}

/** howto-ingress-gateway: two routers of two colours each behind an ingress gateway (TLS by ACM). */
export function ingressGatewayMesh(mesh = 'howto-ingress-gateway'): Doc[] {
  const node = (color: string): CorpusEntry => ({ file: `colorteller-${color}-vn.json`, kind: 'VirtualNode', names: { virtualNodeName: `colorteller-${color}-vn` } });
  return corpusSet('howto-ingress-gateway', mesh, [
    { file: 'mesh.json', kind: 'Mesh', names: {} },
    node('black'), node('blue'), node('red'), node('white'),
    ...[1, 2].flatMap((n): CorpusEntry[] => [
      { file: `colorteller-vr-${n}.json`, kind: 'VirtualRouter', names: { virtualRouterName: `colorteller-vr-${n}` } },
      { file: `colorteller-route-${n}.json`, kind: 'Route', names: { virtualRouterName: `colorteller-vr-${n}`, routeName: `colorteller-route-${n}` } },
      { file: `colorteller-vs-${n}.json`, kind: 'VirtualService', names: { virtualServiceName: `colorteller-${n}.mesh.local` } },
    ]),
    { file: 'colorgateway-vg.json', kind: 'VirtualGateway', names: { virtualGatewayName: 'colorgateway-vg' } },
    ...[1, 2].map((n): CorpusEntry => ({
      file: `colorgateway-route-${n}.json`, kind: 'GatewayRoute',
      names: { virtualGatewayName: 'colorgateway-vg', gatewayRouteName: `colorgateway-route-${n}` },
      vars: { VIRTUALSERVICE_NAME: `colorteller-${n}.mesh.local` },
    })),
  ]);
}

/** howto-multiple-listeners: port matches and target ports on multi-listener routers, nodes and gateways. */
export function multipleListenersMesh(mesh = 'howto-multiple-listeners'): Doc[] {
  const gwRoute = (file: string, service: string): CorpusEntry => ({
    file, kind: 'GatewayRoute', names: { virtualGatewayName: 'tellergateway-vg', gatewayRouteName: file.replace('.json', '') }, vars: { VIRTUALSERVICE_NAME: service },
  });
  return corpusSet('howto-multiple-listeners', mesh, [
    { file: 'mesh.json', kind: 'Mesh', names: {} },
    { file: 'colorteller-vn.json', kind: 'VirtualNode', names: { virtualNodeName: 'colorteller-vn' } },
    { file: 'foodteller-vn.json', kind: 'VirtualNode', names: { virtualNodeName: 'foodteller-vn' } },
    { file: 'foodteller-vr.json', kind: 'VirtualRouter', names: { virtualRouterName: 'foodteller-vr' } },
    { file: 'fruit-route.json', kind: 'Route', names: { virtualRouterName: 'foodteller-vr', routeName: 'fruit-route' } },
    { file: 'vegetable-route.json', kind: 'Route', names: { virtualRouterName: 'foodteller-vr', routeName: 'vegetable-route' } },
    { file: 'colorteller-vs.json', kind: 'VirtualService', names: { virtualServiceName: 'colorteller.mesh.local' } },
    { file: 'foodteller-vs.json', kind: 'VirtualService', names: { virtualServiceName: 'foodteller.mesh.local' } },
    { file: 'tellergateway-vg.json', kind: 'VirtualGateway', names: { virtualGatewayName: 'tellergateway-vg' } },
    gwRoute('color-gateway-route.json', 'colorteller.mesh.local'),
    gwRoute('fruit-gateway-route.json', 'foodteller.mesh.local'),
    gwRoute('vegetable-gateway-route.json', 'foodteller.mesh.local'),
  ]);
}

/** Writes documents as one JSON file each (like --cli-input-json files plus `kind`). */
export function writeJsonDocs(dir: string, docs: Doc[], name: (d: Doc, i: number) => string = (_d, i) => `doc-${i}.json`): string {
  docs.forEach((d, i) => fs.writeFileSync(path.join(dir, name(d, i)), `${JSON.stringify(d, null, 2)}\n`));
  return dir;
}

/** One finding of `awsmesh validate --output json`. */
export interface JsonFinding {
  code: string;
  severity: string;
  message: string;
  fix: string | null;
  file: string | null;
  line: number | null;
  path: string | null;
}

/** `awsmesh validate ARGS --output json` in-process, with its findings parsed. */
export async function validateJson(args: string[], opts: { cwd?: string; home?: string } = {}): Promise<{ code: number; findings: JsonFinding[]; stderr: string }> {
  const r = await runCli(['validate', ...args, '--output', 'json'], opts);
  return { code: r.code, findings: r.stdout ? (JSON.parse(r.stdout) as JsonFinding[]) : [], stderr: r.stderr };
}
