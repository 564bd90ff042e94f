// The EC2 getting-started walkthrough: its quirks through the provider, then examples/walkthrough-ec2/run.sh
// end to end as a real bash + awsmesh process tree on a fresh AWSMESH_HOME.

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: walkthrough', (store) => {
  const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'walkthrough-ec2');
  const input = (file: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLE, file), 'utf8'));

  describe('through the provider', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await openHarness(store);
    });
    afterAll(() => h.close());

    test('every App Mesh step succeeds with the walkthrough\'s own inputs', async () => {
      await h.call('CreateMesh', { meshName: 'apps' });
      const vs = await h.call('CreateVirtualService', { meshName: 'apps', virtualServiceName: 'serviceb.apps.local', spec: {} });
      expect(vs.virtualService.spec).toEqual({});
      const b = await h.call('CreateVirtualNode', input('create-virtual-node-serviceb.json'));
      expect(b.virtualNode.spec.serviceDiscovery.dns.hostname).toBe('serviceB.apps.local'); // case kept as given
      await h.call('CreateVirtualRouter', input('create-virtual-router.json'));
      // An httpRoute on a router whose only listener is http2: accepted, as App Mesh did.
      const r1 = await h.call('CreateRoute', input('create-route.json'));
      expect(Object.keys(r1.route.spec)).toEqual(['httpRoute']);
      await h.call('CreateVirtualNode', input('create-virtual-node-servicebv2.json'));
      await h.call('CreateVirtualNode', input('create-virtual-node-servicea.json'));
      const u = await h.call('UpdateVirtualService', input('update-virtual-service.json'));
      expect(u.virtualService.metadata.version).toBe(2);
      // …then switched to http2Route with a 75/25 split.
      const r2 = await h.call('UpdateRoute', input('update-route.json'));
      expect(Object.keys(r2.route.spec)).toEqual(['http2Route']);
      expect(r2.route.metadata.version).toBe(2);
      await h.call('CreateVirtualService', input('create-virtual-servicea.json'));
      const nodes = await h.call('ListVirtualNodes', { meshName: 'apps' });
      expect(nodes.virtualNodes.map((n: any) => n.virtualNodeName)).toEqual(['serviceA', 'serviceB', 'serviceBv2']);
      // The references the walkthrough built now protect its resources.
      expect((await h.fail('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'serviceBv2' })).code).toBe('ResourceInUseException');
      expect((await h.fail('DeleteVirtualRouter', { meshName: 'apps', virtualRouterName: 'serviceB' })).code).toBe('ResourceInUseException');
    });
  });

  describe('examples/walkthrough-ec2/run.sh', () => {
    const bin = path.join(__dirname, '..', '..', '..', 'bin', 'awsmesh');
    const built = fs.existsSync(path.join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js'));
    let home: string;
    beforeAll(async () => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-walkthrough-'));
    });
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

    const run = () => spawnSync('bash', [path.join(EXAMPLE, 'run.sh')], {
      env: { ...process.env, AWSMESH_HOME: home, AWSMESH_BACKEND: 'local' },
      cwd: os.tmpdir(), // the script must not depend on the caller's directory
      encoding: 'utf8',
      timeout: 60_000,
    });
    const cli = (...args: string[]) =>
      JSON.parse(execFileSync(process.execPath, [bin, ...args, '--output', 'json'], { env: { ...process.env, AWSMESH_HOME: home, AWSMESH_BACKEND: 'local' }, encoding: 'utf8' }));

    test('runs every step, twice in a row (it starts from a clean mesh), leaving the walkthrough\'s final state', () => {
      if (!built) throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests');
      const first = run();
      expect(first.stderr).not.toMatch(/error occurred/i);
      expect(first.status).toBe(0);
      expect(first.stderr).toContain('==> Create the mesh');
      const second = run();
      expect(second.status).toBe(0);
      expect(second.stderr).toContain("Removing the previous run's mesh apps");

      const route = cli('appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB').route;
      expect(route.spec.http2Route.action.weightedTargets).toEqual([
        { virtualNode: 'serviceB', weight: 75 }, { virtualNode: 'serviceBv2', weight: 25 },
      ]);
      expect(route.metadata.version).toBe(2); // the second run recreated everything from scratch
      const svc = cli('appmesh', 'describe-virtual-service', '--mesh-name', 'apps', '--virtual-service-name', 'serviceb.apps.local').virtualService;
      expect(svc.spec.provider).toEqual({ virtualRouter: { virtualRouterName: 'serviceB' } });
      const services = cli('appmesh', 'list-virtual-services', '--mesh-name', 'apps').virtualServices.map((s: any) => s.virtualServiceName);
      expect(services.sort()).toEqual(['servicea.apps.local', 'serviceb.apps.local']);
    });
  });
});
