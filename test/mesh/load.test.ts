// Loading a mesh snapshot through the Backend interface, reusing the previous snapshot only for
// resources that have not changed.

import { openLocalBackend } from '../../src/backends/local';
import { Dispatcher } from '../../src/core/dispatcher';
import { loadMeshSnapshot, snapshotFingerprint } from '../../src/mesh/load';
import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';

afterAll(cleanupHomes);

const node = (port: number) => `listeners=[{portMapping={port=${port},protocol=http}}],serviceDiscovery={dns={hostname=b.apps.local}}`;

test('a node deleted and created again at version 1 is not served from the previous snapshot', async () => {
  const home = tempHome();
  const cli = (args: string[]) => runCli(args, { home });
  await cli(['appmesh', 'create-mesh', '--mesh-name', 'apps']);
  await cli(['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'b', '--spec', node(8080)]);
  const backend = openLocalBackend(cleanEnv(home));
  try {
    const ctx = { region: 'us-west-2' };
    const api = new Dispatcher(backend, ctx.region);
    const first = await loadMeshSnapshot(api, 'apps', ctx);
    expect(first.virtualNodes[0].spec.listeners?.[0].portMapping.port).toBe(8080);

    const createdBy = Date.now();
    await cli(['appmesh', 'delete-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'b']);
    // The new node gets a later lastUpdatedAt (timestamps have millisecond resolution).
    await waitUntil(() => Date.now() > createdBy, { describe: 'the clock to pass the first node\'s timestamp', intervalMs: 1 });
    await cli(['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'b', '--spec', node(9090)]);

    const second = await loadMeshSnapshot(api, 'apps', ctx, first);
    expect(second.virtualNodes[0].metadata?.version).toBe(1);
    expect(second.virtualNodes[0].spec.listeners?.[0].portMapping.port).toBe(9090);
    expect(snapshotFingerprint(second)).not.toBe(snapshotFingerprint(first));

    const third = await loadMeshSnapshot(api, 'apps', ctx, second);
    expect(third.virtualNodes[0]).toBe(second.virtualNodes[0]); // unchanged: reused, not described again
    expect(snapshotFingerprint(third)).toBe(snapshotFingerprint(second));
  } finally {
    await backend.close();
  }
});
