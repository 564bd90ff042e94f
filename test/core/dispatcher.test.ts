// The dispatcher, the one path every caller takes to a backend: model-driven pages() and all() on
// the real local backend (a SQLite file), the schema check before anything is sent, the failed
// operation's name on service errors, and NotImplemented for operations outside the table.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Backend, CallContext, Input, Output } from '../../src/backends/backend';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { Dispatcher } from '../../src/core/dispatcher';
import { ExitCode, InputValidationError, NotImplementedError, ServiceError } from '../../src/base/errors';
import type { ListMeshesOutput } from '../../src/generated/appmesh-api';
import type { ServiceName } from '../../src/model/services';

const REGION = 'us-west-2';
let home: string;
let backend: LocalBackend;
let api: Dispatcher;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-dispatcher-'));
  backend = openLocalBackend({ AWSMESH_HOME: home });
  api = new Dispatcher(backend, REGION);
  for (const name of ['m1', 'm2', 'm3', 'm4', 'm5']) await api.call('appmesh', 'CreateMesh', { meshName: name });
});

afterAll(async () => {
  await backend?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Counts the calls that reach the backend. */
function counting(inner: Backend): Backend & { calls: Array<{ operation: string; input: Input }> } {
  const calls: Array<{ operation: string; input: Input }> = [];
  return {
    kind: inner.kind,
    calls,
    invoke: (service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output> => {
      calls.push({ operation, input: { ...input } });
      return inner.invoke(service, operation, input, ctx);
    },
    close: async () => undefined,
  };
}

describe('pages() follows the model paginator', () => {
  test('several pages, each as the service returned it, until the token runs out', async () => {
    const seen = counting(backend);
    const pages: ListMeshesOutput[] = [];
    for await (const page of new Dispatcher(seen, REGION).pages('appmesh', 'ListMeshes', { limit: 2 })) pages.push(page);
    expect(pages.map((p) => p.meshes.map((m) => m.meshName))).toEqual([['m1', 'm2'], ['m3', 'm4'], ['m5']]);
    expect(pages.slice(0, 2).every((p) => typeof p.nextToken === 'string')).toBe(true);
    expect(pages[2].nextToken).toBeUndefined();
    // The second and third requests carry the previous page's token, and the caller's limit.
    expect(seen.calls.map((c) => c.input)).toEqual([
      { limit: 2 }, { limit: 2, nextToken: pages[0].nextToken }, { limit: 2, nextToken: pages[1].nextToken },
    ]);
  });

  test('resumes from the token in the input', async () => {
    const first = await api.call('appmesh', 'ListMeshes', { limit: 2 });
    const rest: string[] = [];
    for await (const page of api.pages('appmesh', 'ListMeshes', { limit: 2, nextToken: first.nextToken })) {
      rest.push(...page.meshes.map((m) => m.meshName));
    }
    expect(rest).toEqual(['m3', 'm4', 'm5']);
  });

  test('a consumer that stops early stops the requests', async () => {
    const seen = counting(backend);
    for await (const page of new Dispatcher(seen, REGION).pages('appmesh', 'ListMeshes', { limit: 1 })) {
      expect(page.meshes).toHaveLength(1);
      break;
    }
    expect(seen.calls).toHaveLength(1);
  });

  test('all() collects the result key across pages', async () => {
    const meshes = await api.all('appmesh', 'ListMeshes', { limit: 2 });
    expect(meshes.map((m) => m.meshName)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  test('an operation without a paginator is refused (at compile time when named literally)', async () => {
    // @ts-expect-error DescribeMesh has no paginator
    await expect(api.all('appmesh', 'DescribeMesh', { meshName: 'm1' })).rejects.toThrow(/no paginator/);
    await expect(api.dispatchAll('appmesh', 'DescribeMesh', { meshName: 'm1' })).rejects.toThrow(/no paginator/);
  });
});

describe('call()', () => {
  test('literal calls are typed from the model: unknown operations and members do not compile', async () => {
    const out = await api.call('appmesh', 'DescribeMesh', { meshName: 'm1' });
    expect(out.mesh.meshName).toBe('m1'); // typed: MeshData, no cast
    // @ts-expect-error no such operation
    await expect(api.call('appmesh', 'DescribeMeshes', { meshName: 'm1' })).rejects.toBeInstanceOf(NotImplementedError);
    // @ts-expect-error meshName is required
    await expect(api.call('appmesh', 'DescribeMesh', {})).rejects.toBeInstanceOf(InputValidationError);
  });

  test('checks the input against the schema before anything is sent (all problems at once)', async () => {
    const seen = counting(backend);
    const e = await new Dispatcher(seen, REGION).dispatch('appmesh', 'CreateMesh', { meshName: '', bogus: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputValidationError);
    expect((e as InputValidationError).exitCode).toBe(ExitCode.PARAM);
    expect((e as Error).message).toMatch(/^Parameter validation failed:\n/);
    expect((e as Error).message).toContain('Invalid length for parameter meshName');
    expect((e as Error).message).toContain('Unknown parameter in input: "bogus"');
    expect(seen.calls).toHaveLength(0);
  });

  test('trusted input skips the check (the backend answers instead)', async () => {
    const input = { meshName: 'm1', extra: 'ignored by the provider' };
    await expect(api.dispatch('appmesh', 'DescribeMesh', input)).rejects.toBeInstanceOf(InputValidationError);
    const out = await api.dispatch('appmesh', 'DescribeMesh', input, { trusted: true });
    expect((out.mesh as { meshName: string }).meshName).toBe('m1');
  });

  test('a service error names the failed operation and service', async () => {
    const e = await api.call('appmesh', 'DescribeVirtualNode', { meshName: 'm1', virtualNodeName: 'absent' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as ServiceError).describe()).toMatch(/^An error occurred \(NotFoundException\) when calling the DescribeVirtualNode operation: /);
    expect((e as ServiceError).service).toBe('appmesh');
  });

  test('an operation outside the model table is NotImplemented (501), never a plain Error', async () => {
    const seen = counting(backend);
    const e = await new Dispatcher(seen, REGION).dispatch('iam', 'ListGroups', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotImplementedError);
    expect((e as ServiceError).status).toBe(501);
    expect((e as ServiceError).exitCode).toBe(ExitCode.SERVICE);
    expect((e as ServiceError).describe()).toBe('An error occurred (NotImplementedException) when calling the ListGroups operation: The iam operation ListGroups is not implemented by awsmesh.');
    // Names of Object.prototype are not operations either.
    await expect(api.dispatch('appmesh', 'constructor', {})).rejects.toBeInstanceOf(NotImplementedError);
    expect(seen.calls).toHaveLength(0);
  });

  test('a backend without the operation answers NotImplemented too', async () => {
    await expect(backend.invoke('appmesh', 'toString', {}, { region: REGION })).rejects.toBeInstanceOf(NotImplementedError);
  });
});
