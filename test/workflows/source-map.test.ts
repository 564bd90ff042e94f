// Line lookup for findings: the JSON position scanner, the JSON syntax-error locator (checked
// against JSON.parse on many random and damaged texts) and the YAML line map.

import * as YAML from 'yaml';
import { jsonErrorOffset, jsonLineMap, lineOf, yamlLineMap } from '../../src/workflows/source-map';

test('jsonLineMap: keys, list items, tricky strings and the nearest-ancestor fallback', () => {
  const text = [
    '{',
    '  "meshName": "a \\"quoted\\" {brace} [bracket], comma",',
    '  "spec": {',
    '    "listeners": [',
    '      {"portMapping": {"port": 8080, "protocol": "http"}},',
    '      {',
    '        "portMapping": {"port": -1.5e+3}',
    '      }',
    '    ],',
    '    "empty": [], "none": {}',
    '  }',
    '}',
  ].join('\n');
  const map = jsonLineMap(text);
  expect(lineOf(map, '')).toBe(1);
  expect(lineOf(map, 'meshName')).toBe(2);
  expect(lineOf(map, 'spec')).toBe(3);
  expect(lineOf(map, 'spec.listeners[0].portMapping.protocol')).toBe(5);
  expect(lineOf(map, 'spec.listeners[1]')).toBe(6);
  expect(lineOf(map, 'spec.listeners[1].portMapping.port')).toBe(7);
  expect(lineOf(map, 'spec.none')).toBe(10);
  expect(lineOf(map, 'spec.listeners[1].portMapping.nothing.here')).toBe(7);
  expect(lineOf(map, 'tags[3].key')).toBe(1);
});

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 4 : 6));
  switch (pick) {
    case 0: return Math.floor(r() * 2000) - 1000 + (r() < 0.3 ? 0.25 : 0);
    case 1: return ['x', 'with "quotes"', 'back\\slash', 'tab\tnew\nline', 'ünï', '{[,:]}'][Math.floor(r() * 6)];
    case 2: return [true, false, null][Math.floor(r() * 3)];
    case 3: return '';
    case 4: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, randomValue(r, depth + 1)]));
  }
}

test('jsonErrorOffset agrees with JSON.parse on 1500 random and damaged texts', () => {
  const r = rng(42);
  for (let n = 0; n < 500; n++) {
    const text = JSON.stringify(randomValue(r, 0), null, n % 3 === 0 ? 2 : n % 3 === 1 ? '\t' : undefined) ?? 'null';
    expect(jsonErrorOffset(text)).toBe(-1);
    for (const damaged of [text.slice(0, Math.floor(r() * text.length)), text.replace(/[,:"\]}]/, (c) => (c === ',' ? ',,' : '')), `${text} x`]) {
      let valid = true;
      try {
        JSON.parse(damaged);
      } catch {
        valid = false;
      }
      const at = jsonErrorOffset(damaged);
      expect({ damaged, valid: at === -1 }).toEqual({ damaged, valid });
      if (!valid) expect(at).toBeLessThanOrEqual(damaged.length);
    }
  }
});

test('jsonErrorOffset points at the offending character', () => {
  expect(jsonErrorOffset('{"a": $VAR}')).toBe(6);
  expect(jsonErrorOffset('{\n  "a": 1,\n}')).toBe(12);
  expect(jsonErrorOffset('[1, 2')).toBe(5);
});

test('yamlLineMap: keys of block and flow collections across documents', () => {
  const text = '# comment\nkind: Route\nspec:\n  httpRoute:\n    action:\n      weightedTargets:\n        - { virtualNode: a, weight: 1 }\n        - virtualNode: b\n          weight: 2\n---\nmeshName: m\n';
  const counter = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: counter }) as YAML.Document[];
  const first = yamlLineMap(docs[0], counter);
  expect(lineOf(first, 'kind')).toBe(2);
  expect(lineOf(first, 'spec.httpRoute.action.weightedTargets[0].weight')).toBe(7);
  expect(lineOf(first, 'spec.httpRoute.action.weightedTargets[1]')).toBe(8);
  expect(lineOf(first, 'spec.httpRoute.action.weightedTargets[1].weight')).toBe(9);
  expect(lineOf(yamlLineMap(docs[1], counter), 'meshName')).toBe(11);
});
