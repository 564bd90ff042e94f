// `<service> <operation> help` shows the structure of structure, list and map parameters (issue 16
// item 4) as the AWS CLI's help does: members, types, [required], allowed values and unions, from
// the service model.

import { getService, getShape, SERVICE_NAMES } from '../../src/model/services';
import { cleanupHomes, runBin, runCli } from '../helpers/run-cli';

jest.setTimeout(60_000);
afterAll(cleanupHomes);

test('create-virtual-router help shows the members of --spec, with types, required marks and enums', async () => {
  const r = await runBin(['appmesh', 'create-virtual-router', 'help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain([
    '  --spec (structure) [required]',
    '      The resource specification (JSON, YAML-free shorthand or file://).',
    '      Structure:',
    '        listeners -> (list of structures)',
    '          portMapping -> (structure) [required]',
    '            port -> (integer) [required]',
    '            protocol -> (string) [required]  one of: http | tcp | http2 | grpc',
    '  --tags (list of structures)',
  ].join('\n'));
});

test('unions say that exactly one member is set', async () => {
  const r = await runCli(['appmesh', 'create-virtual-node', 'help']);
  expect(r.stdout).toMatch(/\n( +)certificate -> \(union: set exactly one member\)\n\1 {2}file -> \(structure\)\n/);
});

test('every member of every structure parameter of every operation is shown', async () => {
  for (const service of SERVICE_NAMES) {
    for (const op of Object.values(getService(service).operations)) {
      if (!op.input) continue;
      const members = getShape(service, op.input).members ?? {};
      const params = op.params.filter((p) => !p.hidden && members[p.member]);
      let help: string | undefined;
      for (const p of params) {
        let shape = getShape(service, members[p.member].shape);
        while (shape.type === 'list' || shape.type === 'map') shape = getShape(service, (shape.type === 'list' ? shape.member! : shape.value!).shape);
        if (shape.type !== 'structure') continue;
        help ??= (await runCli([service, op.cli, 'help'])).stdout;
        const block = help.slice(help.indexOf(`\n  --${p.flag} (`));
        const structure = block.slice(0, block.indexOf('\n  --', 1));
        for (const m of Object.keys(shape.members ?? {})) {
          const req = shape.required?.includes(m) ? ' [required]' : '';
          expect({ op: `${service} ${op.cli} --${p.flag}`, line: new RegExp(`\\n {8}${m} -> \\([^)]+\\)${req.replace(/[[\]]/g, '\\$&')}`).test(structure) })
            .toEqual({ op: `${service} ${op.cli} --${p.flag}`, line: true });
        }
      }
    }
  }
});
