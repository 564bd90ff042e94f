// Two `awsmesh local serve` replicas (real processes) on one PostgreSQL database, and the faults a
// shared control plane must survive: a write through one replica is visible through the other
// at once and pushed to the other's xDS clients; 32 CLI processes racing through both replicas
// lose nothing; `kill -9` of a replica under load costs (almost) no request and no acknowledged
// write; PostgreSQL restarting under load is ridden out (503s the clients retry) without
// restarting the replicas. Needs `npm run build`.
//
// One pair of replicas on one database serves every test (starting replicas is most of a test's
// cost on a busy machine); each test works in a region of its own, so their meshes do not meet.
// The kill -9 test comes last: it leaves one replica.

import {
  AppMeshClient, CreateMeshCommand, CreateRouteCommand, CreateVirtualNodeCommand, CreateVirtualRouterCommand,
  CreateVirtualServiceCommand, DeleteRouteCommand, DescribeRouteCommand, DescribeVirtualNodeCommand, ListTagsForResourceCommand,
  ListRoutesCommand, ListVirtualNodesCommand, UpdateRouteCommand,
} from '@aws-sdk/client-app-mesh';
import { AdsClient } from '../../src/xds/ads-client';
import { TYPE_URLS } from '../../src/xds/resource-types';
import { postgresCluster, usePostgres, type PgCluster } from '../helpers/postgres';
import { runCliWorkers } from '../helpers/cli-workers';
import { cleanEnv, cleanupHomes, runBin, tempHome } from '../helpers/run-cli';
import { startServe, stopServes, type ServeProcess } from '../helpers/serve-process';
import { waitUntil } from '../helpers/wait';

const why = usePostgres();
const pgTest = why ? (name: string, _fn: () => Promise<void>, _t?: number) => test(name, () => console.log(`not run: ${why}`)) : test;

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Where the xDS test and the PostgreSQL restart work (their mesh `apps` and xDS client are shared). */
const REGION = 'us-west-2';
const CLI_REGION = 'us-east-1';
const KILL_REGION = 'eu-west-1';
const QUOTAS = { AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH: '100000', AWSMESH_QUOTA_ROUTES_PER_VIRTUAL_ROUTER: '100000' };

let cluster: PgCluster;
/** The replicas; r2 serves xDS too, and `xds` is an xDS client of r2 for node a of mesh `apps` (REGION). */
let r1: ServeProcess;
let r2: ServeProcess;
let xds: AdsClient | undefined;
beforeAll(async () => {
  if (why) return;
  cluster = await postgresCluster();
  const url = await cluster.database();
  [r1, r2] = await Promise.all([replica(url), replica(url, ['--xds-port', '0'])]);
  await seedMesh(client(r1));
  xds = new AdsClient(`127.0.0.1:${r2.xdsPort}`, { id: 'mesh/apps/virtualNode/a', cluster: 'a' }).start();
  await xds.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration && hasPrefix(r, '/'), 30_000);
}, 120_000);
afterAll(async () => {
  xds?.close();
  await stopServes();
  cleanupHomes();
});

/** A replica of `serve` on the database at `url` (its own AWSMESH_HOME: the database is the only shared state). */
function replica(url: string, extra: string[] = []): Promise<ServeProcess> {
  return startServe({ args: ['--quiet', ...extra], env: cleanEnv(tempHome(), { AWSMESH_STORE_URL: url, ...QUOTAS }) });
}

/**
 * An SDK client of one replica. Its own retries (default 3 attempts) cover a keep-alive socket the
 * server closed just as it was reused; the load tests retry themselves (attempts 1).
 */
const client = (r: ServeProcess, maxAttempts = 3, region = REGION) => new AppMeshClient({ endpoint: r.url, region, credentials: CREDENTIALS, maxAttempts });

const NODE = (host: string) => ({ listeners: [{ portMapping: { port: 80, protocol: 'http' as const } }], serviceDiscovery: { dns: { hostname: host } } });
const ROUTE = (prefix: string, target = 'b') => ({ httpRoute: { match: { prefix }, action: { weightedTargets: [{ virtualNode: target, weight: 1 }] } } });

/** Mesh `apps`: node a calls b.apps.local, which router r routes to node b. */
async function seedMesh(c: AppMeshClient): Promise<string> {
  const { mesh } = await c.send(new CreateMeshCommand({ meshName: 'apps' }));
  await c.send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'b', spec: NODE('b.apps.local') }));
  await c.send(new CreateVirtualRouterCommand({ meshName: 'apps', virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] } }));
  await c.send(new CreateRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'base', spec: ROUTE('/') }));
  await c.send(new CreateVirtualServiceCommand({ meshName: 'apps', virtualServiceName: 'b.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } }));
  await c.send(new CreateVirtualNodeCommand({
    meshName: 'apps', virtualNodeName: 'a', spec: { ...NODE('a.apps.local'), backends: [{ virtualService: { virtualServiceName: 'b.apps.local' } }] },
  }));
  return mesh!.metadata!.arn!;
}

/** The shared xDS client (set up in beforeAll). */
function xdsClient(): AdsClient {
  if (!xds) throw new Error('the replicas did not start (see beforeAll)');
  return xds;
}

const percentile = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const hasPrefix = (r: { resources: Array<{ value: Uint8Array }> }, prefix: string) =>
  AdsClient.decode(r as never).some((rc) => JSON.stringify(rc).includes(`"prefix":"${prefix}"`));

pgTest('a create-route through replica 1 is visible through replica 2 when it returns, and pushed to replica 2\'s xDS client', async () => {
  const xds = xdsClient();
  const [c1, c2] = [client(r1), client(r2)];
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const since = xds.responses.length;
    await c1.send(new CreateRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: `r${i}`, spec: ROUTE(`/p${i}`) }));
    const returned = Date.now();
    // Immediately after it returned: no waiting, no retry.
    const seen = await c2.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: `r${i}` }));
    expect(seen.route?.spec?.httpRoute?.match?.prefix).toBe(`/p${i}`);
    const pushed = await xds.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration && hasPrefix(r, `/p${i}`), 20_000, since);
    latencies.push(pushed.receivedAt - returned);
  }
  console.log(`cross-replica xDS push after create-route returned (20 routes): p50 ${percentile(latencies, 50)} ms, ` +
    `p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms`);
}, 120_000);

pgTest('answers replica 2 has served before (its read cache) change as soon as an update through replica 1 returns', async () => {
  const [c1, c2] = [client(r1), client(r2)];
  await c1.send(new CreateRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached', spec: ROUTE('/c0') }));
  for (let i = 1; i <= 10; i++) {
    // Twice: the second answer comes from replica 2's cache, if anything does.
    for (let k = 0; k < 2; k++) {
      const before = await c2.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached' }));
      expect(before.route?.spec?.httpRoute?.match?.prefix).toBe(`/c${i - 1}`);
      await c2.send(new ListRoutesCommand({ meshName: 'apps', virtualRouterName: 'r' }));
    }
    const { route } = await c1.send(new UpdateRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached', spec: ROUTE(`/c${i}`) }));
    const seen = await c2.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached' }));
    expect(seen.route?.spec?.httpRoute?.match?.prefix).toBe(`/c${i}`);
    expect(seen.route?.metadata?.version).toBe(route?.metadata?.version);
  }
  await c1.send(new DeleteRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached' }));
  const listed = await c2.send(new ListRoutesCommand({ meshName: 'apps', virtualRouterName: 'r' }));
  expect(listed.routes?.map((r) => r.routeName)).not.toContain('cached');
  await expect(c2.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'cached' }))).rejects.toMatchObject({ name: 'NotFoundException' });
}, 120_000);

pgTest('32 CLI processes × 20 writes through two replicas: nothing lost, one winner per duplicate create', async () => {
  const c1 = client(r1, 3, CLI_REGION);
  const { mesh } = await c1.send(new CreateMeshCommand({ meshName: 'apps' }));
  await c1.send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'shared', spec: {} }));
  const WORKERS = 32;
  const MUTATIONS = 20;
  const env = cleanEnv(tempHome(), {
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: CLI_REGION,
    MESH_ARN: mesh!.metadata!.arn!, WORKER_ENDPOINTS: `${r1.url} ${r2.url}`,
  });
  const { lines, exits } = await runCliWorkers(WORKERS, MUTATIONS, env);
  expect(exits.filter((e) => e.code !== 0)).toEqual([]);

  expect(lines.filter((l) => l.crash)).toEqual([]);
  expect(lines).toHaveLength(WORKERS * (MUTATIONS + 1));
  const dup = lines.filter((l) => l.args?.[1] === 'create-mesh');
  expect(dup.filter((l) => l.code === 0)).toHaveLength(1);
  for (const l of dup.filter((x) => x.code !== 0)) {
    expect(l.code).toBe(254);
    expect(l.stderr).toContain('(ConflictException) when calling the CreateMesh operation');
  }
  expect(lines.filter((l) => l.args?.[1] !== 'create-mesh' && l.code !== 0)).toEqual([]);

  // Read back through the other replica.
  const c2 = client(r2, 3, CLI_REGION);
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c2.send(new ListVirtualNodesCommand({ meshName: 'apps', nextToken, limit: 100 }));
    names.push(...page.virtualNodes!.map((n) => n.virtualNodeName!));
    nextToken = page.nextToken;
  } while (nextToken);
  expect(names).toHaveLength(WORKERS * (MUTATIONS / 2) + 1);
  const shared = await c2.send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'shared' }));
  expect(shared.virtualNode?.metadata?.version).toBe(1 + WORKERS * (MUTATIONS / 4));
  const { tags } = await c2.send(new ListTagsForResourceCommand({ resourceArn: mesh!.metadata!.arn! }));
  expect(tags).toHaveLength(WORKERS);
}, 240_000);

interface LoadResult { requests: number; succeeded: number; acked: string[]; unavailable: number; failures: string[] }

/**
 * Clients that retry, as behind a load balancer: each request goes to its preferred replica and,
 * on a connection error or a 5xx, is sent again (same clientToken) to the next one after a short
 * pause, until it succeeds or `giveUpMs` passed. Creates (with a clientToken) and describes.
 */
function runLoad(
  replicas: ServeProcess[],
  opts: { region: string; workers: number; total: number; giveUpMs: number; onProgress?: (done: number) => void },
): Promise<LoadResult> {
  const clients = replicas.map((r) => client(r, 1, opts.region));
  const result: LoadResult = { requests: 0, succeeded: 0, acked: [], unavailable: 0, failures: [] };
  let started = 0;
  const one = async (w: number, n: number): Promise<void> => {
    const name = `w${w}-n${n}`;
    const create = n % 2 === 0;
    const deadline = Date.now() + opts.giveUpMs;
    for (let attempt = 0; ; attempt++) {
      const c = clients[(w + attempt) % clients.length];
      try {
        if (create) {
          await c.send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: name, spec: {}, clientToken: `${name}-token` }));
          result.acked.push(name);
        } else {
          await c.send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'b' }));
        }
        result.succeeded++;
        return;
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if ((e as Error).name === 'ServiceUnavailableException') result.unavailable++;
        const retryable = status === undefined || status >= 500;
        if (!retryable || Date.now() > deadline) {
          result.failures.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 500)));
      }
    }
  };
  const loop = async (w: number) => {
    for (let n = 0; started < opts.total; n++) {
      started++;
      result.requests++;
      await one(w, n);
      opts.onProgress?.(result.requests);
    }
  };
  return Promise.all(Array.from({ length: opts.workers }, (_, w) => loop(w))).then(() => result);
}

async function nodeNames(c: AppMeshClient): Promise<Set<string>> {
  const names = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await c.send(new ListVirtualNodesCommand({ meshName: 'apps', nextToken, limit: 100 }));
    for (const n of page.virtualNodes!) names.add(n.virtualNodeName!);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

pgTest('PostgreSQL restarted under load: 503s the clients retry, replicas recover by themselves, nothing acknowledged lost, pushes resume', async () => {
  const xds = xdsClient();
  const c1 = client(r1);
  let outage: Promise<void> | undefined;
  const load = runLoad([r1, r2], {
    region: REGION, workers: 4, total: 400, giveUpMs: 60_000,
    onProgress: (done) => {
      if (outage || done < 100) return;
      outage = (async () => {
        await cluster.stopServer('fast');
        // While it is down: the API answers 503, which the awsmesh CLI (aws backend) retries.
        const cli = await runBin(['--endpoint-url', r1.url, 'appmesh', 'list-meshes'], {
          env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: REGION },
        });
        expect(cli.code).toBe(254);
        expect(cli.stderr).toMatch(/\(ServiceUnavailableException\) when calling the ListMeshes operation \(reached max retries: 2\)/);
        await cluster.startServer();
      })();
    },
  });
  const result = await load;
  await outage;
  console.log(`PostgreSQL restart under load: ${result.succeeded}/${result.requests} requests succeeded, ` +
    `${result.unavailable} answers were 503 ServiceUnavailableException and were retried`);
  expect(result.failures).toEqual([]);
  expect(result.unavailable).toBeGreaterThan(0);
  const names = await nodeNames(client(r2));
  expect(result.acked.filter((n) => !names.has(n))).toEqual([]);

  // The xDS client kept its stream (and so its configuration) through the outage.
  expect({ error: xds.error?.details, ended: xds.ended }).toEqual({ error: undefined, ended: false });
  // Neither replica was restarted, and replica 2's change feed listens again: a new route is pushed.
  expect({ exit: r1.child.exitCode, stderr: r1.stderr() }).toEqual({ exit: null, stderr: expect.any(String) });
  expect({ exit: r2.child.exitCode, stderr: r2.stderr() }).toEqual({ exit: null, stderr: expect.any(String) });
  const since = xds.responses.length;
  await c1.send(new CreateRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'after', spec: ROUTE('/after-restart') }));
  await xds.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration && hasPrefix(r, '/after-restart'), 20_000, since);
  await waitUntil(async () => (await fetch(`${r2.url}/_awsmesh/health`)).ok, { describe: 'replica 2 healthy' });
}, 240_000);

// Last: it leaves replica 2 alone.
pgTest('kill -9 of one replica under load: >= 99.9 % of requests succeed through the other, no acknowledged write lost', async () => {
  await client(r1, 3, KILL_REGION).send(new CreateMeshCommand({ meshName: 'apps' }));
  await client(r1, 3, KILL_REGION).send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'b', spec: {} }));
  let killed = false;
  const load = await runLoad([r1, r2], {
    region: KILL_REGION, workers: 8, total: 1000, giveUpMs: 10_000,
    onProgress: (done) => {
      if (!killed && done >= 300) {
        killed = true;
        r1.child.kill('SIGKILL');
      }
    },
  });
  expect(killed).toBe(true);
  expect(await r1.exited).toBe(null); // killed by the signal
  const ratio = load.succeeded / load.requests;
  console.log(`kill -9 of a replica under load: ${load.succeeded}/${load.requests} requests succeeded (${(ratio * 100).toFixed(2)} %), ` +
    `${load.acked.length} acknowledged creates`);
  expect(load.failures.length <= load.requests * 0.001 ? [] : load.failures).toEqual([]);
  expect(ratio).toBeGreaterThanOrEqual(0.999);
  const names = await nodeNames(client(r2, 3, KILL_REGION));
  expect(load.acked.filter((n) => !names.has(n))).toEqual([]);
}, 180_000);
