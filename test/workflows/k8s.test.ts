// Kubernetes manifests of the AWS App Mesh Controller as manifests: the real ones of
// aws/aws-app-mesh-examples (vendored under test/fixtures/corpus/aws-app-mesh-examples-k8s), the
// Create inputs made from a walkthrough (names, references, routes from the router), the findings
// for what cannot be determined (AM0008–AM0010), and `apply -f` end to end as real child processes.

import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { KINDS } from '../../src/workflows/kinds';
import { loadManifestSet } from '../../src/workflows/manifest';
import { CORPUS } from '../helpers/corpus';
import { cleanupHomes, ROOT, runBin, tempHome } from '../helpers/run-cli';
import { cleanupDirs, readTree, tempDir, validateJson, writeTree, yamlStream } from './helpers';
import { allDocs } from '../helpers/docs';

afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});

const K8S_DIR = path.join(CORPUS, 'aws-app-mesh-examples-k8s');
const API = 'appmesh.k8s.aws/v1beta2';

/** The vendored files, relative to K8S_DIR. */
function files(): string[] {
  return Object.keys(readTree(K8S_DIR)).sort();
}

type Obj = Record<string, any>;

/** The file's documents, read with the yaml package alone (independently of awsmesh). */
function objects(rel: string): Obj[] {
  return YAML.parseAllDocuments(fs.readFileSync(path.join(K8S_DIR, rel), 'utf8'))
    .map((d) => d.toJS() as Obj).filter((d) => d && typeof d === 'object');
}

/** What the controller would create in App Mesh for these documents: one per CRD object, plus one Route per router route. */
function expectedResources(docs: Obj[]): number {
  return docs.filter((d) => d.apiVersion === API).reduce((n, d) => n + 1 + (d.kind === 'VirtualRouter' ? (d.spec?.routes ?? []).length : 0), 0);
}

describe('the App Mesh Controller manifests of aws/aws-app-mesh-examples', () => {
  const all = files();
  const clean: string[] = [];

  test('a representative set is vendored', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const rel of all) expect(objects(rel).some((d) => d.apiVersion === API)).toBe(true);
  });

  test.each(all)('%s', async (rel) => {
    const file = path.join(K8S_DIR, rel);
    const docs = objects(rel);
    const crd = docs.filter((d) => d.apiVersion === API);
    const others = docs.length - crd.length;
    const selfContained = docs.some((d) => d.kind === 'Namespace') && crd.some((d) => d.kind === 'Mesh');

    // alone: clean when the file has its Namespace and Mesh; otherwise one AM0008 per mesh member, with the --mesh fix
    const { code, findings } = await validateJson([file]);
    const skippedInfo = findings.filter((f) => f.code === 'AM0005');
    if (others) {
      expect(skippedInfo).toHaveLength(1);
      expect(skippedInfo[0].message).toContain(`${others} document${others === 1 ? '' : 's'} of other kinds skipped`);
    } else expect(skippedInfo).toEqual([]);
    const errors = findings.filter((f) => f.severity === 'error');
    expect(errors.filter((f) => f.code === 'AM0001' || f.code === 'AM0002')).toEqual([]); // keys convert, kinds known
    if (selfContained) {
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      clean.push(rel);
    } else {
      const meshErrors = errors.filter((f) => f.code === 'AM0008' && f.message.includes('which mesh'));
      expect(meshErrors).toHaveLength(crd.filter((d) => d.kind !== 'Mesh').length); // a Mesh is its own mesh
      for (const f of meshErrors) {
        expect(f.fix).toContain('--mesh NAME');
        expect(f.file).toBe(path.relative(ROOT, file));
        const text = fs.readFileSync(file, 'utf8').split('\n');
        expect(text[f.line! - 1]).toMatch(/^metadata:/);
      }
      expect(code).toBe(1);
    }

    // with --mesh: every object becomes its resources (a gateway route whose gateway cannot be
    // found without the Namespace is the one exception, and says so)
    const set = loadManifestSet([file], ROOT, { mesh: 'corpus' });
    const gatewayUnknown = set.findings.filter((f) => f.code === 'AM0008');
    for (const f of gatewayUnknown) expect(f.message).toMatch(/^Cannot tell which virtual gateway GatewayRoute/);
    expect(set.resources.length + gatewayUnknown.length).toBe(expectedResources(docs));
    expect(set.findings.filter((f) => f.code === 'AM0001')).toEqual([]);
  });

  test('the docs summarise what they gave (computed above)', () => {
    const readme = allDocs();
    const words = ['zero', 'one', 'two', 'three', 'four', 'five'];
    expect(readme).toContain(`Of the ${all.length} controller manifests`);
    expect(readme).toContain(`the ${words[clean.length]} that carry their own \`Namespace\` and \`Mesh\``);
    expect(readme).toContain(`applies as ${expectedResources(objects('walkthroughs/howto-k8s-multiple-listeners/manifest.yaml'))} resources`);
  });

  test('the EKS getting-started walkthrough\'s first files, together: references resolve across files', async () => {
    const dir = path.join(K8S_DIR, 'walkthroughs/eks-getting-started/infrastructure/appmesh_templates');
    const first = ['appmesh-yelb-appserver.yaml', 'appmesh-yelb-db.yaml', 'appmesh-yelb-redis.yaml', 'appmesh-yelb-ui.yaml'].map((f) => path.join(dir, f));
    const { code, findings } = await validateJson([...first, '--mesh', 'yelb']);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    const set = loadManifestSet(first, ROOT, { mesh: 'yelb' });
    const node = set.resources.find((r) => r.address.kind === 'VirtualNode' && r.input.virtualNodeName === 'yelb-appserver-virtual-node')!;
    // the db and redis VirtualServices' awsNames, from the other files
    expect(node.input.spec).toMatchObject({ backends: [{ virtualService: { virtualServiceName: 'yelb-db' } }, { virtualService: { virtualServiceName: 'redis-server' } }] });
  });
});

describe('a walkthrough\'s Create inputs (howto-k8s-multiple-listeners)', () => {
  const rel = 'walkthroughs/howto-k8s-multiple-listeners/manifest.yaml';

  test('names by the controller\'s defaults, mesh from the namespace selector, references resolved, routes from the router', () => {
    const set = loadManifestSet([path.join(K8S_DIR, rel)], ROOT);
    expect(set.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const hc = { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 2, timeoutMillis: 2000, intervalMillis: 5000 };
    const listener = (port: number) => ({ portMapping: { port, protocol: 'http' } });
    const gatewayRoute = (name: string, port: number) => ({
      kind: 'GatewayRoute', meshName: 'colors', virtualGatewayName: 'colors-gw_colors', gatewayRouteName: name,
      spec: { httpRoute: { match: { prefix: '/', port }, action: { target: { virtualService: { virtualServiceName: 'color-headers.colors.svc.cluster.local' }, port } } } },
    });
    const route = (name: string, port: number) => ({
      kind: 'Route', meshName: 'colors', virtualRouterName: 'color-headers_colors', routeName: name,
      spec: { httpRoute: { match: { prefix: '/', port }, action: { weightedTargets: [{ virtualNode: 'multi-colors_colors', weight: 1, port }] } } },
    });
    expect(set.resources.map((r) => ({ kind: r.address.kind, ...r.input }))).toEqual([
      { kind: 'Mesh', meshName: 'colors', spec: {} },
      { kind: 'VirtualGateway', meshName: 'colors', virtualGatewayName: 'colors-gw_colors', spec: { listeners: [listener(8080), listener(8090)] } },
      gatewayRoute('gateway-route-main_colors', 8090),
      gatewayRoute('gateway-route-misc_colors', 8080),
      {
        kind: 'VirtualNode', meshName: 'colors', virtualNodeName: 'multi-colors_colors',
        spec: {
          listeners: [{ ...listener(8080), healthCheck: hc }, { ...listener(8090), healthCheck: hc }],
          serviceDiscovery: { dns: { hostname: 'color-white.colors.svc.cluster.local' } },
        },
      },
      { kind: 'VirtualService', meshName: 'colors', virtualServiceName: 'color-headers.colors.svc.cluster.local', spec: { provider: { virtualRouter: { virtualRouterName: 'color-headers_colors' } } } },
      { kind: 'VirtualRouter', meshName: 'colors', virtualRouterName: 'color-headers_colors', spec: { listeners: [listener(8080), listener(8090)] } },
      route('color-route-white', 8080),
      route('color-route-black', 8090),
    ]);
    // lines and paths point into the Kubernetes document
    const text = fs.readFileSync(path.join(K8S_DIR, rel), 'utf8').split('\n');
    const black = set.resources.find((r) => r.input.routeName === 'color-route-black')!;
    expect(black.sourcePath!('spec.httpRoute.action.weightedTargets[0].virtualNode')).toBe('spec.routes[1].httpRoute.action.weightedTargets[0].virtualNodeRef');
    expect(text[black.line!('routeName')! - 1]).toContain('name: color-route-black');
  });
});

const NS = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('membership, references and what is not supported', () => {
  const mesh = { apiVersion: API, kind: 'Mesh', metadata: { name: 'shop' }, spec: { awsName: 'shop-mesh', namespaceSelector: { matchExpressions: [{ key: 'mesh', operator: 'In', values: ['shop'] }] } } };
  const node = (name: string, ns: string, spec: Obj = {}) => ({
    apiVersion: API, kind: 'VirtualNode', metadata: { name, namespace: ns },
    spec: { podSelector: { matchLabels: { app: name } }, listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], ...spec },
  });

  test('mesh from matchExpressions, meshRef, ARNs, cross-namespace refs, --mesh for the rest', () => {
    const dir = writeTree(tempDir(), {
      'a.yaml': yamlStream([
        NS('front', { mesh: 'shop' }), mesh,
        node('web', 'front', { backends: [{ virtualService: { virtualServiceRef: { name: 'cart', namespace: 'back' } } },
          { virtualService: { virtualServiceARN: 'arn:aws:appmesh:us-west-2:111122223333:mesh/shop-mesh/virtualService/pay.example' } }] }),
        { apiVersion: API, kind: 'VirtualService', metadata: { name: 'cart', namespace: 'back' }, spec: { meshRef: { name: 'shop', uid: 'x' }, provider: { virtualNode: { virtualNodeARN: 'arn:aws:appmesh:us-west-2:111122223333:mesh/shop-mesh/virtualNode/cart-node' } } } },
        { apiVersion: API, kind: 'Mesh', metadata: { name: 'other' }, spec: { meshServiceDiscovery: { ipPreference: 'IPv4_ONLY' } } },
      ]),
      'b.yaml': yamlStream([node('batch', 'jobs')]),
    });
    const set = loadManifestSet([dir], dir, { mesh: 'fallback' });
    expect(set.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const byName = Object.fromEntries(set.resources.map((r) => [`${r.address.kind} ${String(r.input[KINDS[r.address.kind].nameMember])}`, r.input]));
    expect(byName['Mesh shop-mesh']).toEqual({ meshName: 'shop-mesh', spec: {} });
    expect(byName['Mesh other']).toEqual({ meshName: 'other', spec: { serviceDiscovery: { ipPreference: 'IPv4_ONLY' } } });
    expect(byName['VirtualNode web_front']).toMatchObject({
      meshName: 'shop-mesh',
      spec: { backends: [{ virtualService: { virtualServiceName: 'cart.back' } }, { virtualService: { virtualServiceName: 'pay.example' } }] },
    });
    expect(byName['VirtualNode web_front'].spec).not.toHaveProperty('podSelector');
    expect(byName['VirtualService cart.back']).toEqual({ meshName: 'shop-mesh', virtualServiceName: 'cart.back', spec: { provider: { virtualNode: { virtualNodeName: 'cart-node' } } } });
    expect(byName['VirtualNode batch_jobs']).toMatchObject({ meshName: 'fallback' }); // no Namespace document: --mesh
  });

  test('an undeterminable mesh is AM0008 with the --mesh fix, file and line', async () => {
    const dir = writeTree(tempDir(), { 'app.yaml': yamlStream([mesh, node('web', 'front'), NS('front', { mesh: 'elsewhere' })]) });
    const { code, findings } = await validateJson(['app.yaml'], { cwd: dir });
    expect(code).toBe(1);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([expect.objectContaining({
      code: 'AM0008', file: 'app.yaml', line: 16, path: 'metadata.namespace',
      message: 'Cannot tell which mesh VirtualNode front/web belongs to: it has no spec.meshRef and no Mesh of the input has a namespaceSelector matching the labels of namespace front',
      fix: 'Pass --mesh NAME, or add the Namespace document (with the labels a Mesh\'s namespaceSelector matches) to the input',
    })]);
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8').split('\n')[15]).toBe('metadata:');
    const withMesh = await validateJson(['app.yaml', '--mesh', 'shop-mesh'], { cwd: dir });
    expect(withMesh.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('a dangling reference is AM0009 at the reference; a bad ARN too; BackendGroup is AM0010', async () => {
    const dir = writeTree(tempDir(), {
      'app.yaml': yamlStream([
        NS('front', { mesh: 'shop' }), mesh,
        node('web', 'front', { backends: [{ virtualService: { virtualServiceRef: { name: 'missing' } } }], backendGroups: [{ name: 'all' }] }),
        { apiVersion: API, kind: 'VirtualService', metadata: { name: 'svc', namespace: 'front' }, spec: { provider: { virtualNode: { virtualNodeARN: 'arn:aws:appmesh:us-west-2:1:mesh/shop-mesh/virtualRouter/r' } } } },
        { apiVersion: API, kind: 'BackendGroup', metadata: { name: 'all', namespace: 'front' }, spec: { virtualServices: [] } },
        { apiVersion: 'appmesh.k8s.aws/v1beta1', kind: 'Mesh', metadata: { name: 'old' } },
      ]),
    });
    const { code, findings } = await validateJson(['app.yaml'], { cwd: dir });
    expect(code).toBe(1);
    const text = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8').split('\n');
    const errors = findings.filter((f) => f.severity === 'error').filter((f) => f.code === 'AM0009' || f.code === 'AM0010');
    expect(errors.map((f) => [f.code, f.path])).toEqual(expect.arrayContaining([
      ['AM0009', 'spec.backends[0].virtualService.virtualServiceRef'],
      ['AM0009', 'spec.provider.virtualNode.virtualNodeARN'],
      ['AM0010', 'spec.backendGroups'],
      ['AM0010', 'kind'],
    ]));
    expect(errors).toHaveLength(4);
    const dangling = errors.find((f) => f.path === 'spec.backends[0].virtualService.virtualServiceRef')!;
    expect(dangling.message).toBe('virtualServiceRef front/missing names no VirtualService of the input, so its AWS name is not known (the default would be missing.front)');
    expect(dangling.fix).toContain('Add the file that declares VirtualService front/missing');
    expect(text[dangling.line! - 1]).toContain('virtualServiceRef:');
    expect(text[errors.find((f) => f.path === 'kind')!.line! - 1]).toBe('kind: BackendGroup');
    expect(findings.find((f) => f.code === 'AM0005')!.message).toBe('Kubernetes manifest: 2 documents of other kinds skipped: 1 appmesh.k8s.aws/v1beta1 Mesh, 1 Namespace');
  });

  test('a gateway route joins the gateway whose namespace and gateway route selectors match', () => {
    const gw = (name: string, sel: Obj) => ({ apiVersion: API, kind: 'VirtualGateway', metadata: { name, namespace: 'front' },
      spec: { namespaceSelector: { matchLabels: { gw: 'yes' } }, gatewayRouteSelector: sel, listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] } });
    const gr = { apiVersion: API, kind: 'GatewayRoute', metadata: { name: 'to-web', namespace: 'front', labels: { edge: 'b' } },
      spec: { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceRef: { name: 'web' } } } } } } };
    const vs = { apiVersion: API, kind: 'VirtualService', metadata: { name: 'web', namespace: 'front' }, spec: { awsName: 'web.local', provider: { virtualNode: { virtualNodeRef: { name: 'web' } } } } };
    const dir = writeTree(tempDir(), { 'gw.yaml': yamlStream([NS('front', { mesh: 'shop', gw: 'yes' }), mesh, gw('a', { matchLabels: { edge: 'a' } }), gw('b', { matchLabels: { edge: 'b' } }), gr, vs, node('web', 'front')]) });
    const set = loadManifestSet([dir], dir);
    expect(set.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(set.resources.find((r) => r.address.kind === 'GatewayRoute')!.input).toEqual({
      meshName: 'shop-mesh', virtualGatewayName: 'b_front', gatewayRouteName: 'to-web_front',
      spec: { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'web.local' } } } } },
    });
  });
});

describe('apply -f a corpus manifest, as real child processes', () => {
  const rel = 'walkthroughs/howto-k8s-multiple-listeners/manifest.yaml';
  const file = path.join(K8S_DIR, rel);
  const home = tempHome();

  test('creates the mesh\'s resources; a second apply is a no-op', async () => {
    const expected = expectedResources(objects(rel));
    const first = await runBin(['apply', '-f', file], { home });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('+ created '))).toHaveLength(expected);
    expect(first.stdout).toContain(`Apply complete: ${expected} created, 0 updated, 0 deleted.`);

    const second = await runBin(['apply', '-f', file], { home });
    expect(second).toMatchObject({ code: 0, stdout: 'No changes.\n' });

    const route = await runBin(['appmesh', 'describe-route', '--mesh-name', 'colors', '--virtual-router-name', 'color-headers_colors', '--route-name', 'color-route-black'], { home });
    expect(route.code).toBe(0);
    expect(JSON.parse(route.stdout).route.spec.httpRoute.action.weightedTargets).toEqual([{ virtualNode: 'multi-colors_colors', weight: 1, port: 8090 }]);
  });
});
