// Per-operation model slices (src/generated/<service>/<cli>.json, written by scripts/gen.js): each
// holds its operation and the shapes it reaches, equal to the whole definition's; a service command
// reads only its slice, and answers exactly as it does with the whole definition loaded.

import * as fs from 'fs';
import * as path from 'path';
import { SERVICE_NAMES, serviceLoaded, type ServiceName } from '../../src/model/services';
import type { OperationSlice, ServiceDefinition, Shape } from '../../src/model/types';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

const ROOT = path.resolve(__dirname, '..', '..');
const GENERATED = path.join(ROOT, 'src', 'generated');

afterAll(() => cleanupHomes());

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Names of the shapes reachable from `roots` in `shapes`. */
function reachable(shapes: Record<string, Shape>, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string | undefined) => {
    if (!name || seen.has(name)) return;
    seen.add(name);
    const s = shapes[name];
    for (const ref of [...Object.values(s.members ?? {}), s.member, s.key, s.value]) visit(ref?.shape);
  };
  roots.forEach(visit);
  return seen;
}

describe.each(SERVICE_NAMES.map((s) => [s]))('%s', (service: ServiceName) => {
  const full = readJson<ServiceDefinition>(path.join(GENERATED, `${service}.json`));

  it("has one slice per operation, equal to the whole definition's operation and shapes", () => {
    const files = fs.readdirSync(path.join(GENERATED, service)).sort();
    expect(files).toEqual(Object.values(full.operations).map((op) => `${op.cli}.json`).sort());
    for (const op of Object.values(full.operations)) {
      const slice = readJson<OperationSlice>(path.join(GENERATED, service, `${op.cli}.json`));
      expect(slice.service).toBe(service);
      expect(slice.operation).toEqual(op);
      const names = reachable(full.shapes, [op.input, op.output, ...op.errors].filter((n): n is string => Boolean(n)));
      expect(Object.keys(slice.shapes).sort()).toEqual([...names].sort());
      for (const name of names) expect(slice.shapes[name]).toEqual(full.shapes[name]);
    }
  });
});

it('scripts/gen.js renders the committed slices (npm run gen:check fails on a stale or edited one)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { render } = require(path.join(ROOT, 'scripts', 'gen.js')) as { render(): Map<string, string> };
  const files = render();
  for (const service of SERVICE_NAMES) {
    const dir = path.join('src', 'generated', service);
    const rendered = [...files.keys()].filter((f) => path.dirname(f) === dir).sort();
    expect(fs.readdirSync(path.join(ROOT, dir)).map((f) => path.join(dir, f)).sort()).toEqual(rendered);
    for (const f of rendered) expect(fs.readFileSync(path.join(ROOT, f), 'utf8')).toBe(files.get(f));
  }
});

it('service commands read only their slices, and answer the same once the whole definition is loaded', async () => {
  const home = tempHome();
  const env = { AWS_REGION: 'us-west-2' };
  const commands = [
    ['appmesh', 'create-mesh', '--mesh-name', 'apps', '--spec', 'egressFilter={type=ALLOW_ALL}', '--tags', 'key=team,value=a'],
    ['appmesh', 'describe-mesh', '--mesh-name', 'apps'],
    ['appmesh', 'list-meshes', '--output', 'text'],
    ['appmesh', 'describe-mesh', '--mesh-name', 'missing'],
    ['appmesh', 'list-tags-for-resource', '--resource-arn', 'arn:aws:appmesh:us-west-2:111122223333:mesh/apps'],
  ];
  const first = [];
  for (const args of commands) first.push(await runCli(args, { home, env }));
  expect(first.map((r) => r.code)).toEqual([0, 0, 0, 254, 0]);
  expect(first[3].stderr).toContain('NotFoundException');
  expect(first[1].stdout).toContain('"egressFilter"');
  expect(first[4].stdout).toContain('"team"');
  expect(serviceLoaded('appmesh')).toBe(false);

  // An unknown operation lists the choices: that needs the whole definition.
  const typo = await runCli(['appmesh', 'describe-meshes'], { home, env });
  expect(typo.code).toBe(252);
  expect(serviceLoaded('appmesh')).toBe(true);
  for (const [i, args] of commands.entries()) {
    if (i === 0) continue; // creates once
    const again = await runCli(args, { home, env });
    expect(again).toEqual(first[i]);
  }
});
