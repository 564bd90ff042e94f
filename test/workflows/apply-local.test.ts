// `awsmesh apply` on the local backend (real SQLite in a temp AWSMESH_HOME, the CLI in-process):
// dependency order from a shuffled directory, idempotency, dry-run diffs, tags, prune (with its
// confirmation), pruning a mesh to nothing, validation gates, and a failure half-way.

import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import {
  cleanMesh, cleanupDirs, ingressGatewayMesh, tempDir, timeoutPolicyMesh, timeoutPolicyUpdates, writeJsonDocs, writeTree, yamlStream, type Doc,
} from './helpers';

afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});

async function cli(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { home, env });
}

async function describeJson(home: string, args: string[]): Promise<any> {
  const r = await cli(home, ['appmesh', ...args]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The "± verb Kind name" lines of an apply run, in order. */
function actions(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^[+~-] (created|updated|deleted) /.test(l));
}

describe('a shuffled directory (files named against dependency order)', () => {
  const home = tempHome();
  const docs = ingressGatewayMesh();
  // gateway routes first, the mesh last, by file name — apply must not care
  const dir = writeJsonDocs(tempDir(), docs, (_d, i) => `${String(docs.length - i).padStart(2, '0')}-${['z', 'q', 'a', 'm'][i % 4]}.json`);

  test('is applied in dependency order', async () => {
    const r = await cli(home, ['apply', '-f', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = actions(r.stdout);
    expect(lines).toHaveLength(docs.length);
    const kinds = lines.map((l) => l.split(' ')[2]);
    expect(kinds).toEqual([
      'Mesh', 'VirtualNode', 'VirtualNode', 'VirtualNode', 'VirtualNode', 'VirtualRouter', 'VirtualRouter',
      'Route', 'Route', 'VirtualService', 'VirtualService', 'VirtualGateway', 'GatewayRoute', 'GatewayRoute',
    ]);
    expect(r.stdout).toMatch(/Apply complete: 14 created, 0 updated, 0 deleted\.\n$/);
    const route = await describeJson(home, ['describe-gateway-route', '--mesh-name', 'howto-ingress-gateway', '--virtual-gateway-name', 'colorgateway-vg', '--gateway-route-name', 'colorgateway-route-2']);
    expect(route.gatewayRoute.spec.httpRoute.action.target.virtualService.virtualServiceName).toBe('colorteller-2.mesh.local');
  });

  test('a second apply changes nothing', async () => {
    const before = await describeJson(home, ['describe-route', '--mesh-name', 'howto-ingress-gateway', '--virtual-router-name', 'colorteller-vr-1', '--route-name', 'colorteller-route-1']);
    const r = await cli(home, ['apply', '-f', dir]);
    expect(r).toMatchObject({ code: 0, stdout: 'No changes.\n' });
    const after = await describeJson(home, ['describe-route', '--mesh-name', 'howto-ingress-gateway', '--virtual-router-name', 'colorteller-vr-1', '--route-name', 'colorteller-route-1']);
    expect(after.route.metadata.version).toBe(before.route.metadata.version);
  });

  test('pruning the mesh down to nothing deletes in reverse dependency order', async () => {
    const empty = tempDir();
    const refused = await cli(home, ['apply', '-f', empty, '--mesh', 'howto-ingress-gateway', '--prune']);
    expect(refused.code).toBe(252);
    expect(refused.stderr).toContain('apply would delete 14 resources; re-run with --yes');
    expect((await describeJson(home, ['list-meshes'])).meshes).toHaveLength(1);

    const r = await cli(home, ['apply', '-f', empty, '--mesh', 'howto-ingress-gateway', '--prune', '--yes']);
    expect(r.code).toBe(0);
    const kinds = actions(r.stdout).map((l) => l.split(' ')[2]);
    expect(kinds).toEqual([
      'GatewayRoute', 'GatewayRoute', 'VirtualGateway', 'VirtualService', 'VirtualService', 'Route', 'Route',
      'VirtualRouter', 'VirtualRouter', 'VirtualNode', 'VirtualNode', 'VirtualNode', 'VirtualNode', 'Mesh',
    ]);
    expect(r.stdout).toContain('Apply complete: 0 created, 0 updated, 14 deleted.');
    expect((await describeJson(home, ['list-meshes'])).meshes).toEqual([]);
  });
});

describe('updates, dry runs and tags', () => {
  const home = tempHome();

  test('--dry-run prints a field-level diff and changes nothing; apply then updates', async () => {
    const dir = writeTree(tempDir(), { 'mesh.yaml': yamlStream(timeoutPolicyMesh()) });
    expect((await cli(home, ['apply', '-f', dir])).code).toBe(0);
    const updates = writeJsonDocs(tempDir(), timeoutPolicyUpdates());

    const plan = await cli(home, ['apply', '-f', updates, '--dry-run']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe([
      '~ update VirtualNode howto-timeout-policy/ColorGateway',
      '    + spec.listeners[0].timeout: {"http":{"perRequest":{"unit":"s","value":20}}}',
      '~ update VirtualNode howto-timeout-policy/ColorTellerWhite',
      '    + spec.listeners[0].timeout: {"http":{"perRequest":{"unit":"s","value":20}}}',
      '~ update Route howto-timeout-policy/colorteller-vr/colorteller-route',
      '    + spec.httpRoute.timeout: {"perRequest":{"unit":"s","value":20}}',
      '    + spec.priority: 1',
      '',
      'Plan: 0 to create, 3 to update, 0 to delete.',
      '',
    ].join('\n'));
    const route = ['describe-route', '--mesh-name', 'howto-timeout-policy', '--virtual-router-name', 'colorteller-vr', '--route-name', 'colorteller-route'];
    expect((await describeJson(home, route)).route.metadata.version).toBe(1);

    const json = await runCli(['apply', '-f', updates, '--dry-run', '--output', 'json'], { home });
    expect(JSON.parse(json.stdout)[2]).toEqual({
      action: 'update', kind: 'Route', resource: 'Route howto-timeout-policy/colorteller-vr/colorteller-route',
      changes: [
        { op: '+', path: 'spec.httpRoute.timeout', after: { perRequest: { unit: 's', value: 20 } } },
        { op: '+', path: 'spec.priority', after: 1 },
      ],
    });

    const r = await cli(home, ['apply', '-f', updates]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete: 0 created, 3 updated, 0 deleted.');
    const after = (await describeJson(home, route)).route;
    expect(after.metadata.version).toBe(2);
    expect(after.spec.httpRoute.timeout).toEqual({ perRequest: { value: 20, unit: 's' } });
    expect((await cli(home, ['apply', '-f', updates])).stdout).toBe('No changes.\n');
  });

  test('declared tags are set and removed; undeclared tags are left alone', async () => {
    const base: Doc[] = [{ kind: 'Mesh', meshName: 'tagged', tags: [{ key: 'team', value: 'mesh' }, { key: 'old', value: 'x' }] }];
    const node: Doc = { kind: 'VirtualNode', meshName: 'tagged', virtualNodeName: 'n', spec: {}, tags: [{ key: 'a', value: '1' }] };
    const dir = writeTree(tempDir(), { 'm.yaml': yamlStream([...base, node]) });
    expect((await cli(home, ['apply', '-f', dir])).code).toBe(0);

    const retagged = [{ ...base[0], tags: [{ key: 'team', value: 'platform' }] }, { ...node, tags: undefined }];
    delete retagged[1].tags;
    writeTree(dir, { 'm.yaml': yamlStream(retagged) });
    const plan = await cli(home, ['apply', '-f', dir, '--dry-run']);
    expect(plan.stdout).toBe('~ update Mesh tagged\n    - tags.old: "x"\n    ~ tags.team: "mesh" → "platform"\n\nPlan: 0 to create, 1 to update, 0 to delete.\n');
    expect((await cli(home, ['apply', '-f', dir])).code).toBe(0);

    const meshArn = (await describeJson(home, ['describe-mesh', '--mesh-name', 'tagged'])).mesh.metadata.arn;
    const nodeArn = (await describeJson(home, ['describe-virtual-node', '--mesh-name', 'tagged', '--virtual-node-name', 'n'])).virtualNode.metadata.arn;
    expect((await describeJson(home, ['list-tags-for-resource', '--resource-arn', meshArn])).tags).toEqual([{ key: 'team', value: 'platform' }]);
    expect((await describeJson(home, ['list-tags-for-resource', '--resource-arn', nodeArn])).tags).toEqual([{ key: 'a', value: '1' }]);
    expect((await describeJson(home, ['describe-mesh', '--mesh-name', 'tagged'])).mesh.metadata.version).toBe(1); // tags only: no UpdateMesh
  });

  test('a provider switch and the prune of the old provider happen in a working order', async () => {
    const docs = cleanMesh('swap');
    const dir = writeTree(tempDir(), { 'mesh.yaml': yamlStream(docs) });
    expect((await cli(home, ['apply', '-f', dir])).code).toBe(0);
    // front.swap.local moves from node `front` to a new router; node `front` is dropped — but the
    // gateway route and the node backends keep working references
    const next = docs.filter((d) => d.virtualNodeName !== 'front');
    next.push(
      { kind: 'VirtualRouter', meshName: 'swap', virtualRouterName: 'front-router', spec: { listeners: [{ portMapping: { port: 9080, protocol: 'http' } }] } },
      { kind: 'Route', meshName: 'swap', virtualRouterName: 'front-router', routeName: 'all', spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'blue', weight: 1 }] } } } },
    );
    const svc = next.find((d) => d.virtualServiceName === 'front.swap.local')!;
    svc.spec = { provider: { virtualRouter: { virtualRouterName: 'front-router' } } };
    next.find((d) => d.virtualNodeName === 'blue')!.spec = { ...(next.find((d) => d.virtualNodeName === 'blue')!.spec as object), backends: [{ virtualService: { virtualServiceName: 'color.swap.local' } }] };
    writeTree(dir, { 'mesh.yaml': yamlStream(next) });
    const r = await cli(home, ['apply', '-f', dir, '--prune', '--yes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(actions(r.stdout)).toEqual([
      '~ updated VirtualNode swap/blue',
      '+ created VirtualRouter swap/front-router',
      '+ created Route swap/front-router/all',
      '~ updated VirtualService swap/front.swap.local',
      '- deleted VirtualNode swap/front',
    ]);
  });
});

test('a router that drops a listener: the route on that port is deleted before the router update', async () => {
  const home = tempHome();
  const listener = (port: number) => ({ portMapping: { port, protocol: 'http' } });
  const route = (port: number): Doc => ({
    kind: 'Route', meshName: 'ports', virtualRouterName: 'r', routeName: `r${port}`,
    spec: { httpRoute: { match: { prefix: '/', port }, action: { weightedTargets: [{ virtualNode: 'n', weight: 1, port }] } } },
  });
  const docs = (ports: number[]): Doc[] => [
    { kind: 'Mesh', meshName: 'ports' },
    { kind: 'VirtualNode', meshName: 'ports', virtualNodeName: 'n', spec: { listeners: [80, 81].map(listener) } },
    { kind: 'VirtualRouter', meshName: 'ports', virtualRouterName: 'r', spec: { listeners: ports.map(listener) } },
    ...ports.map(route),
  ];
  const dir = writeTree(tempDir(), { 'm.yaml': yamlStream(docs([80, 81])) });
  expect((await cli(home, ['apply', '-f', dir])).code).toBe(0);
  writeTree(dir, { 'm.yaml': yamlStream(docs([80])) });
  const r = await cli(home, ['apply', '-f', dir, '--prune', '--yes']);
  expect(r.stderr).toBe('');
  expect(actions(r.stdout)).toEqual(['- deleted Route ports/r/r81', '~ updated VirtualRouter ports/r']);
});

describe('nothing is applied when validation fails', () => {
  test('analyzer errors: exit 1, findings on stderr, no mesh created', async () => {
    const home = tempHome();
    const docs = cleanMesh('bad');
    (docs[5].spec as any).httpRoute.action.weightedTargets[1].virtualNode = 'purple';
    const dir = writeTree(tempDir(), { 'mesh.yaml': yamlStream(docs) });
    const r = await cli(home, ['apply', '-f', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error AM0103: Weighted target purple is not a virtual node of mesh bad');
    expect(r.stderr).toContain('Nothing was applied');
    expect((await describeJson(home, ['list-meshes'])).meshes).toEqual([]);
  });

  test('schema errors: exit 252', async () => {
    const home = tempHome();
    const dir = writeTree(tempDir(), { 'm.yaml': 'kind: Mesh\nmeshName: m\nspec:\n  egressFilter: { type: ALLOW_SOME }\n' });
    const r = await cli(home, ['apply', '-f', dir]);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('error AM0001: Invalid value for parameter spec.egressFilter.type, value: ALLOW_SOME, valid values: ALLOW_ALL, DROP_ALL');
    expect((await describeJson(home, ['list-meshes'])).meshes).toEqual([]);
  });

  test('apply without -f or --mesh is a usage error', async () => {
    const r = await runCli(['apply']);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('apply needs -f/--filename PATH');
  });
});

test('a failure half-way stops with what was and was not applied, and the service error (254)', async () => {
  const home = tempHome();
  const dir = writeTree(tempDir(), { 'mesh.yaml': yamlStream(cleanMesh('q')) });
  const r = await cli(home, ['apply', '-f', dir], { AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH: '2' });
  expect(r.code).toBe(254);
  expect(actions(r.stdout)).toEqual(['+ created Mesh q', '+ created VirtualNode q/blue', '+ created VirtualNode q/front']);
  expect(r.stderr).toContain('✗ failed to create VirtualNode q/green');
  expect(r.stderr).toContain('Stopped after 3 of 10 changes (3 created, 0 updated, 0 deleted).');
  expect(r.stderr).toContain('Not applied:\n  + create VirtualNode q/green\n  + create VirtualRouter q/color-router\n');
  expect(r.stderr).toMatch(/An error occurred \(LimitExceededException\) when calling the CreateVirtualNode operation: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  // re-running with room completes from where it stopped
  const again = await cli(home, ['apply', '-f', dir]);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('Apply complete: 7 created, 0 updated, 0 deleted.');
});
