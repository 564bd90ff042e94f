// "Nothing there" is said one way (issue 16 item 7): a missing resource is the control plane's own
// NotFoundException, worded as `describe-*` words it, exit 254, whichever command met it; a report
// with no mesh to report on exits 254 too, `local stat` and `local graph` alike; stopping what is
// not running is not an error (the goal state holds). Real child processes.

import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, runBin, tempHome } from '../helpers/run-cli';

jest.setTimeout(120_000);
afterAll(() => cleanupHomes());

const NO_MESHES = '\nNo meshes found: create one (awsmesh appmesh create-mesh --mesh-name apps) or name one with --mesh.\n';

test('a missing virtual node or gateway: local up, proxy and describe-* print the same error, exit 254', async () => {
  const home = tempHome();
  expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'shop'], { home })).code).toBe(0);
  const config = path.join(home, 'mesh.local.yaml');

  for (const [kind, op] of [['virtualNode', 'describe-virtual-node'], ['virtualGateway', 'describe-virtual-gateway']]) {
    const flag = kind === 'virtualNode' ? '--virtual-node' : '--virtual-gateway';
    const describe = await runBin(['appmesh', op, '--mesh-name', 'shop', `${flag}-name`, 'ghost'], { home });
    expect(describe.code).toBe(254);
    expect(describe.stderr).toMatch(/^\nAn error occurred \(NotFoundException\) when calling the DescribeVirtual(Node|Gateway) operation: Virtual(Node|Gateway) with name ghost is not present under mesh shop for account \d{12}\n$/);

    fs.writeFileSync(config, `mesh: shop\nproxies:\n  - ${kind}: ghost\n`);
    const up = await runBin(['local', 'up', '--config', config, '--quiet'], { home });
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 254, stderr: describe.stderr });

    const proxy = await runBin(['proxy', '--mesh', 'shop', flag, 'ghost', '--quiet'], { home });
    expect({ code: proxy.code, stderr: proxy.stderr }).toEqual({ code: 254, stderr: describe.stderr });
  }
});

test('no mesh: local stat and local graph agree (254, one message); a named missing mesh is describe-mesh\'s error', async () => {
  const home = tempHome();
  const stat = await runBin(['local', 'stat'], { home });
  const graph = await runBin(['local', 'graph'], { home });
  expect(stat).toEqual({ code: 254, stdout: '', stderr: NO_MESHES });
  expect(graph).toEqual({ code: 254, stdout: '', stderr: NO_MESHES });

  const describe = await runBin(['appmesh', 'describe-mesh', '--mesh-name', 'nomesh'], { home });
  expect(describe.code).toBe(254);
  for (const args of [['local', 'stat', '--mesh', 'nomesh'], ['local', 'graph', '--mesh', 'nomesh'], ['local', 'up', '--mesh', 'nomesh', '--quiet']]) {
    const r = await runBin(args, { home });
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 254, stderr: describe.stderr });
  }
});

test('stopping what is not running succeeds: local down with nothing up exits 0', async () => {
  const home = tempHome();
  expect(await runBin(['local', 'down'], { home })).toMatchObject({ code: 0, stdout: '' });
  expect(await runBin(['local', 'down', '--mesh', 'nomesh'], { home })).toMatchObject({ code: 0, stdout: '' });
});
