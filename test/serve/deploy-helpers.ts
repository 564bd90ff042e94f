// Reading the packaging under test: the Dockerfile's instructions by stage, and Kubernetes objects
// checked against the vendored Kubernetes OpenAPI (schemas/vendor/kubernetes/, swagger 2.0).

import * as fs from 'fs';
import * as path from 'path';
import { closed } from '../../src/migrate/schemas';
import { describeErrors, type AjvError } from '../../src/validation/messages';
import { ROOT } from '../helpers/run-cli';

export interface Instruction {
  keyword: string;
  /** The arguments as written (continuation lines joined). */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → stages (instructions before the first FROM, i.e. global ARGs, are dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (!line.trim() || line.trim().startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (lines[i].trim().startsWith('#')) continue;
      line = `${line.slice(0, -1)} ${lines[i].trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read ${JSON.stringify(line)}`);
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push({ keyword, args, line: start + 1 });
    }
  }
  return stages;
}

/** COPY's flags and paths: `COPY --from=build /src/dist ./dist` → { from: 'build', sources: ['/src/dist'], dest: './dist' }. */
export function copyOf(i: Instruction): { from?: string; sources: string[]; dest: string } {
  const words = i.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const K8S = path.join(ROOT, 'schemas', 'vendor', 'kubernetes', 'api-v1.36.json');

/** Swagger 2.0's `int-or-string` as Kubernetes means it (its OpenAPI v3 says x-kubernetes-int-or-string). */
function intOrString(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(intOrString);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Json;
  if (s.format === 'int-or-string') return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, intOrString(v)]));
}

let compiled: { ajv: import('ajv').default; byKind: Map<string, string> } | undefined;

function k8s() {
  if (compiled) return compiled;
  const doc = JSON.parse(fs.readFileSync(K8S, 'utf8')) as { definitions: Json };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv').default as typeof import('ajv').default;
  // Kubernetes' own keywords (x-kubernetes-*) annotate; strict mode would reject them as unknown.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T/);
  // Unknown fields are errors, as `kubectl apply --validate=strict` makes them.
  ajv.addSchema({ $id: 'k8s', definitions: closed(intOrString(doc.definitions)) as Json });
  const byKind = new Map<string, string>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    for (const gvk of (def as Json)['x-kubernetes-group-version-kind'] ?? []) {
      byKind.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}|${gvk.kind}`, name);
    }
  }
  compiled = { ajv, byKind };
  return compiled;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Every problem of a Kubernetes object against its kind's definition; empty when it is valid. */
export function kubernetesProblems(obj: Json): string[] {
  const { ajv, byKind } = k8s();
  const definition = byKind.get(`${obj.apiVersion}|${obj.kind}`);
  if (!definition) return [`${obj.apiVersion} ${obj.kind} is not a kind of the vendored API (${[...byKind.keys()].join(', ')})`];
  const out: string[] = [];
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) out.push(`metadata.name: must be a DNS-1123 subdomain (got ${JSON.stringify(name)})`);
  const validate = ajv.getSchema(`k8s#/definitions/${definition}`)!;
  if (!validate(obj)) out.push(...describeErrors((validate.errors ?? []) as AjvError[], obj).map((p) => `${p.path}: ${p.message}`));
  return out;
}
