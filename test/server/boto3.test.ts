// boto3 (Python) against `awsmesh local serve` run as users run it: a `node bin/awsmesh` child
// process (needs `npm run build`) on an ephemeral loopback port. test/server/fixtures/boto3_crosscheck.py
// drives each scenario through real boto3 clients and prints JSON; here we assert on it and compare
// with what the awsmesh CLI reads from the same store, once on SQLite and once on PostgreSQL
// (describeEachStore). The interpreter is the first of
// `python3`, `/usr/bin/python3` that can `import boto3` (AWSMESH_TEST_PYTHON, when set, is tried
// first); without one each test only logs why it did nothing (install it with
// `apt-get install -y python3-boto3` or `pip install boto3`).

import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes, type ServeProcess } from '../helpers/serve-process';
import { REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { describeEachStore, type StoreKit } from '../helpers/stores';

const SCRIPT = path.join(__dirname, 'fixtures', 'boto3_crosscheck.py');
const FIXTURES = REFERENCE_WALKTHROUGH;
const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const SIGNING = { accessKey: 'AKIDBOTO3TEST', secretKey: 'boto3-secret' };

/** The first interpreter that can import boto3, or why there is none. */
function findPython(): { python?: string; why: string } {
  const tried: string[] = [];
  for (const candidate of [process.env.AWSMESH_TEST_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!candidate) continue;
    const r = spawnSync(candidate, ['-c', 'import boto3'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return { python: candidate, why: '' };
    tried.push(`${candidate}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { why: `no Python with boto3 (${tried.join('; ')}); apt-get install -y python3-boto3 or pip install boto3` };
}

const { python: PYTHON, why: WHY_NOT } = findPython();
const boto3Test = PYTHON
  ? test
  : (name: string, _fn: () => Promise<void>) => test(name, () => console.log(`not run: ${WHY_NOT}`));

jest.setTimeout(60_000);

interface Served extends ServeProcess {
  home: string;
  /** The server's store, for CLI calls that read it (AWSMESH_STORE_URL). */
  storeUrl: string;
}

/** `awsmesh local serve --port 0 …` in a fresh home on a new store; resolves once it prints its address. */
async function serve(kit: StoreKit, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const home = tempHome('awsmesh-boto3-');
  const storeUrl = await kit.newUrl({ keep: true });
  return { ...(await startServe({ args: ['--quiet', ...args], env: cleanEnv(home, { ...env, AWSMESH_STORE_URL: storeUrl }) })), home, storeUrl };
}

type Json = Record<string, any>;

/** Runs one scenario of the Python script; its stdout is one JSON object. */
function boto3(scenario: string, url: string, home: string, env: NodeJS.ProcessEnv = {}): Promise<Json> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON!, [SCRIPT, scenario, url, FIXTURES], { env: cleanEnv(home, { PYTHONDONTWRITEBYTECODE: '1', ...env }), timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`boto3 scenario ${scenario} failed (${err.message}):\n${stderr}`));
        else resolve(JSON.parse(stdout) as Json);
      });
  });
}

/** The awsmesh CLI (in this process) reading the server's store. */
async function cli(server: Served, ...args: string[]): Promise<Json> {
  const r = await runCli(args, { home: server.home, env: { AWS_REGION: REGION, AWSMESH_STORE_URL: server.storeUrl } });
  if (r.code !== 0) throw new Error(`awsmesh ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

const fixture = (name: string): Json => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Json;
/** What the script makes of a datetime boto3 parsed. */
const parsedNow = { datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/), tzaware: true, ageSeconds: expect.any(Number) };
const withoutAges = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === 'ageSeconds' ? undefined : x)));
const sameInstant = (a: { datetime: string }, b: string) => expect(Date.parse(a.datetime)).toBe(Date.parse(b));

describeEachStore('boto3 against local serve', (kit) => {
  let main: Served;
  let signed: Served;
  // Scenarios start together in beforeAll (they touch disjoint state) and each test awaits its own.
  const results: Record<string, Promise<Json>> = {};

  beforeAll(async () => {
    if (!PYTHON) return;
    [main, signed] = await Promise.all([
      serve(kit),
      serve(kit, ['--verify-signatures', '--access-key', SIGNING.accessKey], { AWSMESH_SECRET_ACCESS_KEY: SIGNING.secretKey }),
    ]);
    for (const scenario of ['appmesh', 'iam', 'cloudmap']) results[scenario] = boto3(scenario, main.url, main.home);
    results.signatures = boto3('signatures', signed.url, signed.home);
    for (const p of Object.values(results)) p.catch(() => undefined); // reported by the test that awaits it
  });

  afterAll(async () => {
    await stopServes();
    for (const s of [main, signed]) if (s) await kit.release(s.storeUrl);
    cleanupHomes();
  });

  describe('boto3 against awsmesh local serve', () => {
    boto3Test('App Mesh walkthrough: create, update-route 75/25, describe/list; datetimes; the CLI reads the same', async () => {
      const r = await results.appmesh;
      expect(r.versions.boto3).toMatch(/^1\.\d+\.\d+/);
      expect(r.createMesh).toMatchObject({
        meshName: 'apps',
        metadata: { arn: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`, version: 1, meshOwner: ACCOUNT, resourceOwner: ACCOUNT, createdAt: parsedNow },
        status: { status: 'ACTIVE' },
      });
      // Epoch seconds on the wire; boto3 makes timezone-aware datetimes of them.
      expect(Math.abs(r.createMesh.metadata.createdAt.ageSeconds)).toBeLessThan(60);
      expect(r.nodeB).toMatchObject({ virtualNodeName: 'serviceB', spec: fixture('create-virtual-node-serviceb.json').spec });
      expect(r.route.spec.httpRoute.action.weightedTargets).toEqual([{ virtualNode: 'serviceB', weight: 100 }]);
      expect(r.updatedService).toMatchObject({ spec: { provider: { virtualRouter: { virtualRouterName: 'serviceB' } } }, metadata: { version: 2 } });
      expect(r.updatedRoute).toMatchObject({ metadata: { version: 2, lastUpdatedAt: parsedNow }, spec: fixture('update-route.json').spec });
      expect(r.updatedRoute.spec.http2Route.action.weightedTargets).toEqual([{ virtualNode: 'serviceB', weight: 75 }, { virtualNode: 'serviceBv2', weight: 25 }]);
      expect(withoutAges(r.describeRoute)).toEqual(withoutAges(r.updatedRoute));
      expect(r.describeMesh.metadata.uid).toBe(r.createMesh.metadata.uid);
      expect(r.describeServiceA.spec.provider).toEqual({ virtualNode: { virtualNodeName: 'serviceA' } });
      expect(r.describeNodeA.spec.backends).toEqual([{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }]);
      expect(r.listRoutes).toEqual(['serviceB']);
      expect(r.listServices).toEqual(['servicea.apps.local', 'serviceb.apps.local']);

      // The awsmesh CLI sees what boto3 wrote, down to the uid, version and timestamp.
      const [route, mesh] = await Promise.all([
        cli(main, 'appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB'),
        cli(main, 'appmesh', 'describe-mesh', '--mesh-name', 'apps'),
      ]);
      expect(route.route.spec).toEqual(r.describeRoute.spec);
      expect(route.route.metadata).toMatchObject({ uid: r.describeRoute.metadata.uid, version: 2 });
      sameInstant(r.describeRoute.metadata.lastUpdatedAt, route.route.metadata.lastUpdatedAt);
      expect(mesh.mesh.metadata.uid).toBe(r.createMesh.metadata.uid);
      sameInstant(r.createMesh.metadata.createdAt, mesh.mesh.metadata.createdAt);
    });

    boto3Test('App Mesh paginators: 120 nodes, each exactly once, with PageSize, the default page and MaxItems/StartingToken', async () => {
      const r = await results.appmesh;
      const listed = await cli(main, 'appmesh', 'list-virtual-nodes', '--mesh-name', 'apps');
      const all = (listed.virtualNodes as { virtualNodeName: string }[]).map((n) => n.virtualNodeName).sort();
      expect(all).toHaveLength(120);
      expect(all).toEqual(expect.arrayContaining(['serviceA', 'serviceB', 'serviceBv2', 'bulk-000', 'bulk-116']));

      expect(r.pagesOf25.sizes).toEqual([25, 25, 25, 25, 20]);
      expect(r.pagesOf25.lastHasNextToken).toBe(false);
      expect([...r.pagesOf25.names].sort()).toEqual(all); // every node, none twice
      expect(r.defaultPages.sizes).toEqual([100, 20]); // App Mesh's default page is 100
      expect([...r.defaultPages.names].sort()).toEqual(all);
      expect(r.resumed.first).toHaveLength(30);
      expect([...r.resumed.first, ...r.resumed.rest].sort()).toEqual(all);
      expect(r.resumed.restHasNextToken).toBe(false);
    });

    boto3Test('App Mesh errors: ClientError codes and statuses boto3 maps to the model\'s exception classes', async () => {
      const { errors } = await results.appmesh;
      const common = { modeled: true, retries: 0, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) };
      expect(errors.notFound).toMatchObject({ ...common, code: 'NotFoundException', status: 404, message: `Mesh with name missing is not present for account ${ACCOUNT}` });
      expect(errors.conflict).toMatchObject({ ...common, code: 'ConflictException', status: 409, message: 'Mesh with name apps already exists.' });
      expect(errors.inUse).toMatchObject({ ...common, code: 'ResourceInUseException', status: 409 });
      expect(errors.inUse.message).toMatch(/^Mesh apps for account 111122223333 has active \w+/);
      // botocore checks neither enums, maximum lengths nor maximum values; the server's schema validation does.
      expect(errors.badEnum).toMatchObject({ ...common, code: 'BadRequestException', status: 400 });
      expect(errors.badEnum.message).toMatch(/^Parameter validation failed:\n.*spec\.listeners\[0\]\.portMapping\.protocol, value: smtp/);
      expect(errors.tooLong).toMatchObject({ ...common, code: 'BadRequestException', status: 400 });
      expect(errors.tooLong.message).toContain('virtualNodeName, value: 300, valid max length: 255');
      expect(errors.limitTooHigh).toMatchObject({ ...common, code: 'BadRequestException', status: 400 });
      expect(errors.limitTooHigh.message).toContain('limit, value: 150, valid max value: 100');
      expect(errors.badNextToken).toMatchObject({ ...common, code: 'BadRequestException', status: 400 });
      expect(errors.otherOwner).toMatchObject({ ...common, code: 'NotFoundException', status: 404 });
      expect(errors.missingParam).toBe('ParamValidationError'); // boto3's own check, never sent

      // None of the failed calls changed anything.
      const [meshes, bad] = await Promise.all([
        cli(main, 'appmesh', 'describe-mesh', '--mesh-name', 'apps'),
        runCli(['appmesh', 'describe-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'bad'], { home: main.home, env: { AWS_REGION: REGION, AWSMESH_STORE_URL: main.storeUrl } }),
      ]);
      expect(meshes.mesh.status.status).toBe('ACTIVE');
      expect(bad.code).not.toBe(0);
    });

    boto3Test('App Mesh clientToken idempotency and tags', async () => {
      const { idempotency, tags, meshes } = await results.appmesh;
      expect(new Set(idempotency.meshUids).size).toBe(1);
      expect(idempotency.meshVersions).toEqual([1, 1]);
      expect(new Set(idempotency.nodeUids).size).toBe(1);
      expect(idempotency.otherToken).toMatchObject({ code: 'ConflictException', status: 409 });
      expect(meshes).toEqual(['apps', 'tok']);

      expect(tags.afterTag).toEqual([{ key: 'env', value: 'dev' }, { key: 'owner', value: 'ü <&> ☃' }]);
      expect(tags.afterUntag).toEqual([{ key: 'owner', value: 'ü <&> ☃' }]);
      expect(tags.missingResource).toMatchObject({ code: 'NotFoundException', status: 404 });
      const viaCli = await cli(main, 'appmesh', 'list-tags-for-resource', '--resource-arn', `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`);
      expect(viaCli.tags).toEqual(tags.afterUntag);
      const nodes = await cli(main, 'appmesh', 'list-virtual-nodes', '--mesh-name', 'tok');
      expect(nodes.virtualNodes.map((n: { virtualNodeName: string }) => n.virtualNodeName)).toEqual(['n']);
    });

    boto3Test('IAM walkthrough: trust policy back as a dict, attachments, paginator, XML errors', async () => {
      const r = await results.iam;
      const trust = fixture('ec2-trust-relationship.json');
      expect(r.createRole).toMatchObject({
        RoleName: 'mesh-virtual-node-service-b', Arn: `arn:aws:iam::${ACCOUNT}:role/mesh-virtual-node-service-b`, Path: '/', CreateDate: parsedNow,
        Description: 'héllo <&> "q" ü', // XML-escaped and UTF-8 on the wire
      });
      // Sent form-encoded, answered URL-encoded inside XML: boto3 decodes it into a dict.
      expect(r.createRole.AssumeRolePolicyDocument).toEqual(trust);
      expect(r.getRole).toMatchObject({ RoleId: r.createRole.RoleId, AssumeRolePolicyDocument: trust, MaxSessionDuration: 3600, Tags: [{ Key: 'team', Value: 'mesh ü' }] });
      expect(r.roleTags).toEqual([{ Key: 'team', Value: 'mesh ü' }]);
      expect(r.createPolicy).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:policy/virtual-node-policy`, DefaultVersionId: 'v1', IsAttachable: true });
      expect(r.policyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true, Document: fixture('virtual-node-policy.json') });
      const attachedNames = ['virtual-node-policy', 'AmazonEC2ContainerRegistryReadOnly'];
      expect(r.attached.map((p: { PolicyName: string }) => p.PolicyName).sort()).toEqual([...attachedNames].sort());
      expect(r.attachedPages).toEqual({ sizes: [1, 1], truncated: [true, false], names: r.attached.map((p: { PolicyName: string }) => p.PolicyName) });

      const common = { type: 'Sender', retries: 0, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) };
      expect(r.errors.noSuchEntity).toMatchObject({ ...common, code: 'NoSuchEntity', status: 404, exception: 'NoSuchEntityException', modeled: true, message: 'The role with name missing cannot be found.' });
      expect(r.errors.alreadyExists).toMatchObject({ ...common, code: 'EntityAlreadyExists', status: 409, modeled: true });
      expect(r.errors.deleteConflict).toMatchObject({ ...common, code: 'DeleteConflict', status: 409, modeled: true });
      expect(r.errors.validation).toMatchObject({ ...common, code: 'ValidationError', status: 400 });

      const [role, attached] = await Promise.all([
        cli(main, 'iam', 'get-role', '--role-name', 'mesh-virtual-node-service-b'),
        cli(main, 'iam', 'list-attached-role-policies', '--role-name', 'mesh-virtual-node-service-b'),
      ]);
      expect(role.Role).toMatchObject({ RoleId: r.createRole.RoleId, AssumeRolePolicyDocument: trust, Description: 'héllo <&> "q" ü' });
      sameInstant(r.createRole.CreateDate, role.Role.CreateDate);
      expect(attached.AttachedPolicies).toEqual(r.attached);
    });

    boto3Test('Cloud Map: namespace operation to SUCCESS, service, instances; discover_instances needs the host prefix off', async () => {
      const r = await results.cloudmap;
      expect(r.namespaceOperation).toMatchObject({ Status: 'SUCCESS', Type: 'CREATE_NAMESPACE', CreateDate: parsedNow, Targets: { NAMESPACE: expect.stringMatching(/^ns-/) } });
      expect(r.sameOperationId).toBe(true); // same CreatorRequestId, same operation
      expect(r.namespace).toMatchObject({ Name: 'apps.local', Type: 'DNS_PRIVATE', CreatorRequestId: 'ns-request-1' });
      expect(r.service).toMatchObject({ Name: 'serviceb', NamespaceId: r.ids.namespace, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] } });
      expect(r.registerStatuses).toEqual(['SUCCESS', 'SUCCESS']);
      expect(r.listInstancePages).toEqual([['b-1'], ['b-2']]);

      // boto3's default: the model's `data-` host prefix on the endpoint host, which does not resolve.
      expect(r.defaultDiscoverUrl).toBe(`${main.url.replace('//127.0.0.1', '//data-127.0.0.1')}/`);
      // With Config(inject_host_prefix=False) it reaches the server.
      const instance = (id: string, ip: string) => ({
        InstanceId: id, NamespaceName: 'apps.local', ServiceName: 'serviceb', HealthStatus: 'UNKNOWN',
        Attributes: { AWS_INSTANCE_IPV4: ip, AWS_INSTANCE_PORT: '80', version: 'v1' },
      });
      expect(r.discover.Instances).toEqual([instance('b-1', '10.0.0.5'), instance('b-2', '10.0.0.6')]);
      expect(r.discoverFiltered).toEqual(['b-2']);
      const viaCli = await cli(main, 'servicediscovery', 'discover-instances', '--namespace-name', 'apps.local', '--service-name', 'serviceb');
      expect(viaCli.Instances).toEqual(r.discover.Instances);
      // Newer botocore models have InstancesRevision (Debian bookworm's 1.29 drops it).
      if ('InstancesRevision' in r.discover) expect(r.discover.InstancesRevision).toBe(viaCli.InstancesRevision);

      const common = { modeled: true, status: 400, retries: 0 };
      expect(r.errors.namespaceNotFound).toMatchObject({ ...common, code: 'NamespaceNotFound', message: 'Namespace not found: ns-doesnotexist0000' });
      expect(r.errors.operationNotFound).toMatchObject({ ...common, code: 'OperationNotFound' });
      expect(r.errors.discoverNamespaceNotFound).toMatchObject({ ...common, code: 'NamespaceNotFound' });
      // Extra members of the error shape reach boto3's response dict.
      expect(r.errors.serviceAlreadyExists).toMatchObject({ ...common, code: 'ServiceAlreadyExists', extra: { ServiceId: r.ids.service } });
    });

    boto3Test('the environment-only recipe: AWS_ENDPOINT_URL and AWS_DISABLE_HOST_PREFIX_INJECTION, no code changes', async () => {
      await Promise.all([results.appmesh, results.iam, results.cloudmap]);
      const r = await boto3('env-recipe', '-', main.home, {
        AWS_ENDPOINT_URL: main.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: REGION,
        AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
      });
      // An older botocore (Debian bookworm's 1.29) ignores the variables; the script then sends nothing.
      if (r.unsupported.length) console.log(`partly not run: ${r.unsupported.join('; ')}`);
      // A botocore that has a setting must honour it against the server.
      if (r.knows.endpointUrl) expect(r.endpoint).toBe(main.url);
      if (!r.knows.endpointUrl) return;
      expect(r).toMatchObject({ region: REGION, meshes: ['apps', 'tok'], roles: ['mesh-virtual-node-service-b'] });
      if (r.knows.hostPrefix) expect(r).toMatchObject({ injectHostPrefix: false, discover: ['b-1', 'b-2'] });
    });

    boto3Test('--verify-signatures: the right keys work; a wrong secret, an unknown key or no signature get AWS\'s 403 codes and change nothing', async () => {
      const r = await results.signatures;
      expect(r.good).toEqual({ mesh: 'signed', role: 'signed-role', namespaceStatus: 'SUCCESS', discover: 'ServiceNotFound' });
      const denied = (code: string) => ({ code, status: 403, retries: 0 });
      expect(r.wrongSecret.appmesh).toMatchObject(denied('InvalidSignatureException'));
      expect(r.wrongSecret.servicediscovery).toMatchObject(denied('InvalidSignatureException'));
      expect(r.wrongSecret.iam).toMatchObject({ ...denied('SignatureDoesNotMatch'), type: 'Sender' });
      expect(r.wrongSecret.appmesh.message).toContain('The request signature we calculated does not match the signature you provided.');
      expect(r.unknownKey.appmesh).toMatchObject(denied('UnrecognizedClientException'));
      expect(r.unknownKey.servicediscovery).toMatchObject(denied('UnrecognizedClientException'));
      expect(r.unknownKey.iam).toMatchObject(denied('InvalidClientTokenId'));
      expect(r.unsigned.appmesh).toMatchObject(denied('MissingAuthenticationTokenException'));
      expect(r.unsigned.iam).toMatchObject(denied('MissingAuthenticationToken'));
      expect(r.after).toEqual({ meshes: ['signed'], roles: ['signed-role'], namespaces: ['signed-ns'] });

      const [meshes, roles] = await Promise.all([cli(signed, 'appmesh', 'list-meshes'), cli(signed, 'iam', 'list-roles')]);
      expect(meshes.meshes.map((m: { meshName: string }) => m.meshName)).toEqual(['signed']);
      expect(roles.Roles.map((x: { RoleName: string }) => x.RoleName)).toEqual(['signed-role']);
      expect(signed.child.exitCode).toBeNull(); // still serving after the refusals
    });
  });
});
