// `awsmesh servicediscovery …` as users run it: real `node bin/awsmesh` child processes on a temp
// AWSMESH_HOME. Needs `npm run build` (bin/awsmesh runs dist/).

import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, ROOT, runBin, tempHome } from '../../helpers/run-cli';

let home: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  home = tempHome('awsmesh-sd-cli-');
});
afterAll(cleanupHomes);

const sd = (...args: string[]) => runBin(['servicediscovery', ...args], { home });
const json = async (...args: string[]) => {
  const r = await sd(...args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const text = async (...args: string[]) => (await sd(...args, '--output', 'text')).stdout.trim();

test('namespace → service with custom health → two instances → discovery follows health', async () => {
  const { OperationId } = await json('create-http-namespace', '--name', 'apps.local');
  const op = await json('get-operation', '--operation-id', OperationId);
  expect(op.Operation).toMatchObject({ Type: 'CREATE_NAMESPACE', Status: 'SUCCESS' });
  const ns = op.Operation.Targets.NAMESPACE as string;
  expect(ns).toMatch(/^ns-[a-z0-9]{16}$/);

  const srv = await text('create-service', '--name', 'serviceb', '--namespace-id', ns, '--health-check-custom-config', 'FailureThreshold=1', '--query', 'Service.Id');
  expect(srv).toMatch(/^srv-[a-z0-9]{16}$/);
  for (const [id, ip] of [['b-1', '127.0.0.1'], ['b-2', '127.0.0.2']]) {
    await json('register-instance', '--service-id', srv, '--instance-id', id, '--attributes', `AWS_INSTANCE_IPV4=${ip},AWS_INSTANCE_PORT=8080`);
  }
  const discover = () => text('discover-instances', '--namespace-name', 'apps.local', '--service-name', 'serviceb', '--query', 'Instances[].InstanceId');
  expect(await discover()).toBe('b-1\tb-2');

  const upd = await sd('update-instance-custom-health-status', '--service-id', srv, '--instance-id', 'b-1', '--status', 'UNHEALTHY');
  expect([upd.code, upd.stdout]).toEqual([0, '']);
  expect(await discover()).toBe('b-2');
  const health = await json('get-instances-health-status', '--service-id', srv);
  expect(health.Status).toEqual({ 'b-1': 'UNHEALTHY', 'b-2': 'HEALTHY' });
  expect(await text('get-namespace', '--id', ns, '--query', 'Namespace.ServiceCount')).toBe('1');
});

test('Cloud Map errors exit 254 with their codes', async () => {
  const missing = await sd('get-namespace', '--id', 'ns-0000000000000000');
  expect(missing.code).toBe(254);
  expect(missing.stderr).toBe('\nAn error occurred (NamespaceNotFound) when calling the GetNamespace operation: Namespace not found: ns-0000000000000000\n');
  const dup = await sd('create-http-namespace', '--name', 'apps.local');
  expect(dup.code).toBe(254);
  expect(dup.stderr).toContain('(NamespaceAlreadyExists) when calling the CreateHttpNamespace operation');

  const ns = await text('list-namespaces', '--query', 'Namespaces[0].Id');
  const plain = await text('create-service', '--name', 'plain', '--namespace-id', ns, '--query', 'Service.Id');
  await json('register-instance', '--service-id', plain, '--instance-id', 'i', '--attributes', 'AWS_INSTANCE_IPV4=127.0.0.1');
  const noCustom = await sd('update-instance-custom-health-status', '--service-id', plain, '--instance-id', 'i', '--status', 'HEALTHY');
  expect(noCustom.code).toBe(254);
  expect(noCustom.stderr).toContain('(CustomHealthNotFound)');
  const inUse = await sd('delete-service', '--id', plain);
  expect(inUse.code).toBe(254);
  expect(inUse.stderr).toContain('(ResourceInUse)');
});
