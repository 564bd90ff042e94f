// Name lookups over a snapshot are indexed (the xDS server translates many proxies of one
// snapshot); they must answer exactly like a linear find, also after the lists change.

import { findVirtualNode, resolveVirtualService } from '../../src/mesh/lookup';
import type { MeshSnapshot, VirtualNodeData } from '../../src/mesh/types';

const node = (name: string, port = 80) => ({ virtualNodeName: name, spec: { listeners: [{ portMapping: { port, protocol: 'http' } }] } }) as unknown as VirtualNodeData;

function snapshot(nodes: VirtualNodeData[]): MeshSnapshot {
  return { mesh: { meshName: 'm', spec: {} }, virtualNodes: nodes, virtualServices: [], virtualRouters: [], routes: [], virtualGateways: [], gatewayRoutes: [] } as unknown as MeshSnapshot;
}

test('finds the first node of a name, and nothing for a missing one', () => {
  const first = node('a', 1);
  const s = snapshot([node('x'), first, node('a', 2)]);
  expect(findVirtualNode(s, 'a')).toBe(first);
  expect(findVirtualNode(s, 'a')).toBe(first);
  expect(findVirtualNode(s, 'nope')).toBeUndefined();
});

test('sees nodes added, removed and replaced after an earlier lookup', () => {
  const s = snapshot([node('a'), node('b')]);
  expect(findVirtualNode(s, 'b')?.virtualNodeName).toBe('b');
  s.virtualNodes.push(node('c'));
  expect(findVirtualNode(s, 'c')?.virtualNodeName).toBe('c');
  s.virtualNodes.splice(0, 1);
  expect(findVirtualNode(s, 'a')).toBeUndefined();
  expect(findVirtualNode(s, 'b')).toBe(s.virtualNodes[0]);
  const replaced = node('b', 9);
  s.virtualNodes[0] = replaced;
  expect(findVirtualNode(s, 'b')).toBe(replaced);
  s.virtualNodes[1] = node('d');
  expect(findVirtualNode(s, 'd')?.virtualNodeName).toBe('d');
  expect(findVirtualNode(s, 'c')).toBeUndefined();
});

test('services and their node providers resolve through the same index', () => {
  const s = snapshot([node('a')]);
  s.virtualServices.push({ virtualServiceName: 'svc', spec: { provider: { virtualNode: { virtualNodeName: 'a' } } } } as never);
  expect(resolveVirtualService(s, 'svc')?.provider).toEqual({ kind: 'virtualNode', node: s.virtualNodes[0] });
  expect(resolveVirtualService(s, 'other')).toBeUndefined();
});
