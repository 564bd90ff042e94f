// The exporter emits no field Envoy's protos mark deprecated (issue 16 item 6), so
// `awsmesh envoy config --validate` never warns about awsmesh's own output: every deprecation the
// validator knows (each `deprecated` proto option), over every node and gateway of the walkthrough
// and the corpus, in each xDS resource (the static bootstrap inlines the same listeners and clusters)
// and the ADS bootstrap.

import { dynamicBootstrap } from '../../src/xds/bootstrap';
import { validateEnvoyJson } from '../../src/envoy/validate';
import { apiEndpointResolver } from '../../src/xds/endpoints';
import { MeshConfigSource } from '../../src/xds/mesh-source';
import { XDS_TYPES } from '../../src/xds/resource-types';
import { loadCorpusMeshes, loadWalkthrough, openLocalMeshes, REGION, type LocalMeshes } from './helpers/corpus-mesh';

jest.setTimeout(180_000);

let m: LocalMeshes;
afterAll(async () => {
  await m?.close();
});

test('no deprecated field in any exported configuration of the walkthrough and the corpus', async () => {
  m = openLocalMeshes();
  const meshes = [await loadWalkthrough(m), ...(await loadCorpusMeshes(m)).meshes];
  const source = new MeshConfigSource({ backend: m.backend, region: REGION, endpoints: apiEndpointResolver(m.backend) });
  const found: string[] = [];
  let checked = 0;
  for (const loaded of meshes) {
    const proxies = [...loaded.nodes.map((name) => ({ kind: 'virtualNode' as const, name })), ...loaded.gateways.map((name) => ({ kind: 'virtualGateway' as const, name }))];
    for (const p of proxies) {
      const r = await source.resources({ mesh: loaded.mesh, ...p });
      if (!r) continue;
      const label = `${loaded.mesh} ${p.kind}/${p.name}`;
      const docs: Array<[string, unknown, string | undefined]> = [['ADS bootstrap', dynamicBootstrap({ node: r.node, xdsAddress: '127.0.0.1:15010' }), undefined]];
      for (const type of XDS_TYPES) for (const res of (r as unknown as Record<string, unknown[] | undefined>)[type.key] ?? []) docs.push([`${type.short} ${type.nameOf(res as never)}`, res, type.message]);
      for (const [what, doc, typeName] of docs) {
        checked++;
        for (const i of validateEnvoyJson(doc, typeName)) if (/deprecated/.test(i.message)) found.push(`${label} ${what}: ${i.path}: ${i.message}`);
      }
    }
  }
  expect(checked).toBeGreaterThan(400);
  expect(found).toEqual([]);
});
