// Output formats against what the real AWS CLI v2 printed for the same describe-mesh result
// (the AWS CLI behaviour measured in the project brief, awscli.md §3), plus the formatting rules behind them.

import { getOperation } from '../../src/model/services';
import { renderResult, type OutputFormatName } from '../../src/output/render';

const describeMesh = getOperation('appmesh', 'DescribeMesh');
const listMeshes = getOperation('appmesh', 'ListMeshes');
const created = Date.UTC(2024, 10, 25, 15, 53, 20, 123) / 1000;

// Keys deliberately out of model order: output follows the model, not the input.
const mesh = {
  mesh: {
    status: { status: 'ACTIVE' },
    spec: { serviceDiscovery: { ipPreference: 'IPv4_PREFERRED' }, egressFilter: { type: 'DROP_ALL' } },
    metadata: {
      version: 1,
      uid: 'a1b2c3d4-5678-90ab-cdef-11111EXAMPLE',
      resourceOwner: '123456789012',
      meshOwner: '123456789012',
      lastUpdatedAt: created,
      createdAt: created,
      arn: 'arn:aws:appmesh:us-east-1:123456789012:mesh/apps',
    },
    meshName: 'apps',
  },
};

function render(format: OutputFormatName, value: unknown = mesh, query?: string, op = describeMesh) {
  return renderResult(value, { format, query, service: 'appmesh', operation: op, color: false });
}

test('json: 4-space indent, model key order, ISO timestamps', () => {
  const out = render('json');
  expect(out).toBe(`${JSON.stringify({
    mesh: {
      meshName: 'apps',
      metadata: {
        arn: 'arn:aws:appmesh:us-east-1:123456789012:mesh/apps',
        createdAt: '2024-11-25T15:53:20.123000+00:00',
        lastUpdatedAt: '2024-11-25T15:53:20.123000+00:00',
        meshOwner: '123456789012',
        resourceOwner: '123456789012',
        uid: 'a1b2c3d4-5678-90ab-cdef-11111EXAMPLE',
        version: 1,
      },
      spec: { egressFilter: { type: 'DROP_ALL' }, serviceDiscovery: { ipPreference: 'IPv4_PREFERRED' } },
      status: { status: 'ACTIVE' },
    },
  }, null, 4)}\n`);
});

test('text: the AWS CLI rows for describe-mesh', () => {
  expect(render('text')).toBe([
    'MESH\tapps',
    'METADATA\tarn:aws:appmesh:us-east-1:123456789012:mesh/apps\t2024-11-25T15:53:20.123000+00:00\t2024-11-25T15:53:20.123000+00:00\t123456789012\t123456789012\ta1b2c3d4-5678-90ab-cdef-11111EXAMPLE\t1',
    'EGRESSFILTER\tDROP_ALL',
    'SERVICEDISCOVERY\tIPv4_PREFERRED',
    'STATUS\tACTIVE',
    '',
  ].join('\n'));
});

test('table: the AWS CLI box layout for describe-mesh', () => {
  const lines = render('table').split('\n');
  const expected = [
    '---------------------------------------------------------------------------',
    '|                              DescribeMesh                               |',
    '+-------------------------------------------------------------------------+',
    '||                                 mesh                                  ||',
    '|+------------------------------------------+----------------------------+|',
    '||  meshName                                |  apps                      ||',
    '|+------------------------------------------+----------------------------+|',
    '|||                              metadata                               |||',
    '||+---------------+-----------------------------------------------------+||',
    '|||  arn          |  arn:aws:appmesh:us-east-1:123456789012:mesh/apps   |||',
    '|||  createdAt    |  2024-11-25T15:53:20.123000+00:00                   |||',
    '|||                               status                                |||',
    '||+---------------------------------+-----------------------------------+||',
    '|||  status                         |  ACTIVE                           |||',
  ];
  for (const line of expected) expect(lines).toContain(line);
  expect(lines.indexOf(expected[0])).toBe(0);
  // every line has the same width
  expect(new Set(lines.filter(Boolean).map((l) => l.length)).size).toBe(1);
});

test('table colour adds ANSI codes only with --color on', () => {
  const coloured = renderResult(mesh, { format: 'table', service: 'appmesh', operation: describeMesh, color: true });
  expect(coloured).toContain('\x1b[');
  expect(render('table')).not.toContain('\x1b[');
});

test('yaml: numeric-looking strings and timestamps stay quoted', () => {
  const out = render('yaml');
  expect(out).toContain("meshOwner: '123456789012'");
  expect(out).toMatch(/createdAt: '2024-11-25T15:53:20\.123000\+00:00'/);
  expect(out.startsWith('mesh:\n  meshName: apps\n')).toBe(true);
});

test('yaml-stream: one list item per page', () => {
  const pages = [{ meshes: [{ meshName: 'a' }], nextToken: 'T1' }, { meshes: [{ meshName: 'b' }] }];
  const out = renderResult({}, { format: 'yaml-stream', service: 'appmesh', operation: listMeshes, color: false, pages });
  expect(out).toBe('- meshes:\n  - meshName: a\n  nextToken: T1\n- meshes:\n  - meshName: b\n');
});

test('--query applies before formatting; scalars print bare in text, quoted in json', () => {
  expect(render('text', mesh, 'mesh.status.status')).toBe('ACTIVE\n');
  expect(render('json', mesh, 'mesh.status.status')).toBe('"ACTIVE"\n');
  expect(render('json', mesh, 'mesh.metadata.version')).toBe('1\n');
});

test('text output of a list of dicts shares one sorted column set', () => {
  const list = { meshes: [{ meshName: 'a', version: 1 }, { meshName: 'b', arn: 'x' }] };
  expect(render('text', list, undefined, listMeshes)).toBe('MESHES\t\ta\t1\nMESHES\tx\tb\t\n');
});

test('an empty result prints nothing (e.g. tag-resource)', () => {
  expect(renderResult({}, { format: 'json', service: 'appmesh', operation: getOperation('appmesh', 'TagResource'), color: false })).toBe('');
});

test('IAM policy documents are URL-decoded into JSON, like the AWS CLI', () => {
  const doc = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [] }));
  const out = renderResult(
    { Role: { RoleName: 'r', Path: '/', RoleId: 'AROAEXAMPLE', Arn: 'arn', CreateDate: new Date(0), AssumeRolePolicyDocument: doc } },
    { format: 'json', service: 'iam', operation: getOperation('iam', 'GetRole'), color: false },
  );
  expect(JSON.parse(out).Role.AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [] });
  expect(JSON.parse(out).Role.CreateDate).toBe('1970-01-01T00:00:00+00:00');
});
