// CloudFormation templates as manifests: the 44 real templates of aws/aws-app-mesh-examples
// (vendored under test/fixtures/corpus/aws-app-mesh-examples-cfn), key conversion by the schema,
// every supported intrinsic, the findings for what cannot be resolved (AM0005–AM0007), and
// `apply -f template.yaml --parameter …` end to end as real child processes.

import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { CORPUS, plausibleParameter as plausible } from '../helpers/corpus';
import { cleanupHomes, ROOT, runBin, runCli, tempHome } from '../helpers/run-cli';
import { cleanupDirs, readTree, tempDir, validateJson, writeTree, type JsonFinding } from './helpers';
import { allDocs } from '../helpers/docs';

afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});


const validate = validateJson;

const CFN_DIR = path.join(CORPUS, 'aws-app-mesh-examples-cfn');

/** The vendored templates, relative to CFN_DIR. */
function templates(): string[] {
  return Object.keys(readTree(CFN_DIR)).sort();
}

/** App Mesh resources per template, as the corpus index counted them (independently of awsmesh). */
const INDEX = JSON.parse(fs.readFileSync(path.join(CORPUS, 'INDEX.json'), 'utf8')) as { cfn: { path: string; resources: Record<string, number> }[] };
function indexedCount(rel: string): number {
  const entry = INDEX.cfn.find((e) => e.path === rel);
  if (!entry) throw new Error(`INDEX.json has no ${rel}`);
  return Object.entries(entry.resources).filter(([t]) => t.startsWith('AWS::AppMesh::')).reduce((a, [, n]) => a + n, 0);
}

/** The `--parameter NAME` a finding's fix asks for. */
function parameterAsked(f: JsonFinding): string {
  const m = /--parameter (\S+)=/.exec(f.fix ?? '');
  if (!m) throw new Error(`${f.code} without a --parameter fix: ${f.fix}`);
  return m[1];
}

const RESOLUTION_CODES = new Set(['AM0006', 'AM0007']);

describe('the 44 templates of aws/aws-app-mesh-examples', () => {
  const files = templates();
  const observed = new Map<string, { clean: boolean; asked: string[]; unknowable: string[] }>();

  test('are all vendored', () => {
    expect(files).toHaveLength(44);
    expect(INDEX.cfn.map((e) => e.path).sort()).toEqual(files);
  });

  test.each(files)('%s: with defaults, only parameters and stack-only values are missing', async (rel) => {
    const file = path.join(CFN_DIR, rel);
    const { code, findings } = await validate([file]);
    const errors = findings.filter((f) => f.severity === 'error');
    // what blocks a template as it is: parameters without a Default (AM0007) and values only a
    // deployed stack has (AM0006) — never a schema, kind or analyzer error
    expect(errors.filter((f) => !RESOLUTION_CODES.has(f.code))).toEqual([]);
    expect(code).toBe(errors.length ? 1 : 0);
    for (const f of errors) {
      expect(f.file).toBe(path.relative(ROOT, file));
      expect(f.line).toBeGreaterThan(0);
      expect(f.path).toMatch(/^Resources\.\w+\.Properties\b/);
      parameterAsked(f); // every one says which --parameter supplies it
      // the line is the one the path names (or, inside a short-form expression, its first line)
      const text = fs.readFileSync(file, 'utf8').split('\n');
      const lastKey = /\.([A-Za-z0-9]+)(\[\d+\])*$/.exec(f.path!.replace(/\.Fn::\w+\[\d+\]/g, ''))?.[1];
      if (lastKey && !/\[\d+\]$/.test(f.path!)) expect(text[f.line! - 1]).toContain(lastKey);
    }
    // AM0007 once per parameter
    const params = errors.filter((f) => f.code === 'AM0007').map(parameterAsked);
    expect(new Set(params).size).toBe(params.length);
    // other resource types are counted in one info, App Mesh ones are not
    const skipped = findings.filter((f) => f.code === 'AM0005');
    expect(skipped.length).toBeLessThanOrEqual(1);
    if (skipped.length) expect(skipped[0].message).not.toMatch(/AWS::AppMesh::/);
    observed.set(rel, { clean: errors.length === 0, asked: params, unknowable: [...new Set(errors.filter((f) => f.code === 'AM0006').map(parameterAsked))] });
  });

  test.each(files)('%s: with every asked value passed as --parameter, it validates clean and declares every App Mesh resource', async (rel) => {
    const file = path.join(CFN_DIR, rel);
    const given = new Map<string, string>();
    let result = await validate([file]);
    // resolving one value can reveal the next in the same expression: ask again until nothing is asked
    for (let round = 0; round < 4; round++) {
      const asked = result.findings.filter((f) => RESOLUTION_CODES.has(f.code)).map(parameterAsked).filter((p) => !given.has(p));
      if (asked.length === 0) break;
      for (const p of asked) given.set(p, plausible(p));
      result = await validate([file, ...[...given].flatMap(([k, v]) => ['--parameter', `${k}=${v}`])]);
    }
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.code).toBe(0);
    // the documents made from it: one per App Mesh resource of the template
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadManifestSet } = require('../../src/workflows/manifest') as typeof import('../../src/workflows/manifest');
    const set = loadManifestSet([file], CFN_DIR, { cfn: { region: 'us-west-2', accountId: '111122223333', parameters: Object.fromEntries(given) } });
    expect(set.resources).toHaveLength(indexedCount(rel));
    expect(set.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('the docs summarise what they gave (computed above)', () => {
    expect(observed.size).toBe(files.length);
    const clean = [...observed.values()].filter((o) => o.clean).length;
    const unknowable = [...observed.values()].filter((o) => o.unknowable.length).length;
    const words = ['none', 'one', 'two', 'three', 'four', 'five'];
    const readme = allDocs().replace(/\s+/g, ' ');
    const said = /Of the 44 templates .*?, (\w+) validate clean as they are; .*? and (\d+) of them also read values only a deployed stack has/.exec(readme);
    expect(said?.slice(1)).toEqual([words[clean] ?? String(clean), String(unknowable)]);
  });
});

// ---------------------------------------------------------------------------------------------

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ProjectName:
    Type: String
  Port:
    Type: Number
    Default: 8080
  Env:
    Type: String
    Default: prod
    AllowedValues: [prod, dev]
  Names:
    Type: CommaDelimitedList
    Default: 'blue,green'
Mappings:
  Timeouts:
    prod: { Seconds: 15 }
    dev: { Seconds: 60 }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Either: !Or [!Condition IsProd, !Condition IsDev]
  Both: !And [!Condition IsProd, !Condition IsDev]
Resources:
  Mesh:
    Type: AWS::AppMesh::Mesh
    Properties:
      MeshName: !Sub '\${ProjectName}-mesh'
      Spec:
        EgressFilter: { Type: ALLOW_ALL }
      Tags:
        - { Key: stack, Value: !Ref AWS::StackName }
        - { Key: where, Value: !Sub '\${AWS::Region}/\${AWS::AccountId}/\${AWS::Partition}/\${AWS::URLSuffix}' }
        - { Key: mesh-arn, Value: !Ref Mesh }
  BlueNode:
    Type: AWS::AppMesh::VirtualNode
    DependsOn: Mesh
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualNodeName: !Select [0, !Ref Names]
      Spec:
        Listeners:
          - PortMapping: { Port: !Ref Port, Protocol: http2 }
            HealthCheck: { Protocol: http2, Path: /ping, HealthyThreshold: '2', UnhealthyThreshold: 3, IntervalMillis: 5000, TimeoutMillis: 2000 }
        ServiceDiscovery:
          AWSCloudMap:
            NamespaceName: !Join ['.', [!Ref ProjectName, local]]
            ServiceName: !Select [1, !Split ['/', 'a/colors/b']]
        BackendDefaults:
          ClientPolicy:
            TLS:
              Validation:
                Trust:
                  ACM: { CertificateAuthorityArns: [!Sub ['arn:aws:acm-pca:\${R}:111122223333:certificate-authority/x', { R: !Ref AWS::Region }]] }
  GreenNode:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualNodeName: !Select [1, !Ref Names]
      Spec:
        Listeners: [{ PortMapping: { Port: 8080, Protocol: http2 } }]
        ServiceDiscovery:
          DNS:
            Hostname: !If [IsProd, green.prod.local, green.dev.local]
            ResponseType: !If [Both, ENDPOINTS, !Ref AWS::NoValue]
  Router:
    Type: AWS::AppMesh::VirtualRouter
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualRouterName: colors
      Spec:
        Listeners: [{ PortMapping: { Port: 8080, Protocol: http2 } }]
  Route:
    Type: AWS::AppMesh::Route
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualRouterName: !GetAtt Router.VirtualRouterName
      RouteName: colors
      Spec:
        Http2Route:
          Match: { Prefix: / }
          Action:
            WeightedTargets:
              - { VirtualNode: !GetAtt BlueNode.VirtualNodeName, Weight: 1 }
              - { VirtualNode: !GetAtt GreenNode.VirtualNodeName, Weight: 1 }
          Timeout:
            PerRequest: { Unit: s, Value: !FindInMap [Timeouts, !Ref Env, Seconds] }
      Tags:
        - { Key: router-arn, Value: !GetAtt Router.Arn }
        - { Key: route-arn, Value: !Ref Route }
        - { Key: either, Value: !If [Either, 'yes', 'no'] }
  Service:
    Type: AWS::AppMesh::VirtualService
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualServiceName: !Sub 'colors.\${ProjectName}.local'
      Spec:
        Provider:
          VirtualRouter: { VirtualRouterName: !GetAtt Router.VirtualRouterName }
  Namespace:
    Type: AWS::ServiceDiscovery::PrivateDnsNamespace
    Properties: { Name: !Sub '\${ProjectName}.local', Vpc: vpc-1 }
  Role:
    Type: AWS::IAM::Role
    Properties: {}
  Role2:
    Type: AWS::IAM::Role
    Properties: {}
Outputs:
  MeshArn:
    Value: !Ref Mesh
`;

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

describe('a template using every supported intrinsic', () => {
  const dir = writeTree(tempDir(), { 'colors.yaml': TEMPLATE });
  const file = path.join(dir, 'colors.yaml');

  test('without the parameter that has no Default: AM0007 once, at its first use, with the fix', async () => {
    const { code, findings } = await validate([file], { cwd: dir });
    expect(code).toBe(1);
    const am7 = findings.filter((f) => f.code === 'AM0007');
    expect(am7).toEqual([expect.objectContaining({
      severity: 'error', file: 'colors.yaml', line: lineOf(TEMPLATE, "MeshName: !Sub '${ProjectName}-mesh'"), path: 'Resources.Mesh.Properties.MeshName',
      // its three direct uses, and everything that resolves through Mesh.MeshName (names, ARNs)
      message: 'Parameter ProjectName has no Default and no value was given (11 values of App Mesh resources depend on it; the first is here)',
      fix: 'Pass it with --parameter ProjectName=VALUE',
    })]);
    // the rest still resolves and analyses: nothing but the parameter is an error
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['AM0007']);
  });

  test('with --parameter: clean, other resource types counted in one info', async () => {
    const { code, findings, stderr } = await validate([file, '--parameter', 'ProjectName=colors'], { cwd: dir });
    expect(findings.filter((f) => f.code === 'AM0005')).toEqual([expect.objectContaining({
      severity: 'info', file: 'colors.yaml', line: lineOf(TEMPLATE, 'Resources:'), path: 'Resources',
      message: 'CloudFormation template: 3 resources of other types skipped: 2 AWS::IAM::Role, 1 AWS::ServiceDiscovery::PrivateDnsNamespace',
    })]);
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    // analyzer findings point into the template too
    expect(findings.filter((f) => f.code === 'AM0107')).toEqual([expect.objectContaining({
      line: lineOf(TEMPLATE, "VirtualServiceName: !Sub 'colors."), path: 'Resources.Service.Properties.VirtualServiceName',
    })]);
    expect(code).toBe(0);
    expect(stderr).toBe('1 file checked: 0 errors, 0 warnings, 2 info\n'); // and AM0107: nothing calls colors.colors.local
  });

  test('resolves to the Create inputs, keys converted by the schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadManifestSet } = require('../../src/workflows/manifest') as typeof import('../../src/workflows/manifest');
    const set = loadManifestSet([file], dir, { cfn: { region: 'eu-west-1', accountId: '123456789012', parameters: { ProjectName: 'colors', Env: 'dev' } } });
    expect(set.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const by = (name: string) => set.resources.find((r) => r.address.name === name || (r.address.kind === 'Mesh' && name === 'mesh'))!.input;
    expect(by('mesh')).toEqual({
      meshName: 'colors-mesh',
      spec: { egressFilter: { type: 'ALLOW_ALL' } },
      tags: [
        { key: 'stack', value: 'colors' }, // the file's base name
        { key: 'where', value: 'eu-west-1/123456789012/aws/amazonaws.com' },
        { key: 'mesh-arn', value: 'arn:aws:appmesh:eu-west-1:123456789012:mesh/colors-mesh' },
      ],
    });
    expect(by('blue')).toEqual({
      meshName: 'colors-mesh',
      virtualNodeName: 'blue',
      spec: {
        listeners: [{
          portMapping: { port: 8080, protocol: 'http2' },
          healthCheck: { protocol: 'http2', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 3, intervalMillis: 5000, timeoutMillis: 2000 },
        }],
        serviceDiscovery: { awsCloudMap: { namespaceName: 'colors.local', serviceName: 'colors' } },
        backendDefaults: { clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: ['arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/x'] } } } } } },
      },
    });
    // Env=dev: IsProd false, Both false → ResponseType dropped (AWS::NoValue)
    expect(by('green').spec).toEqual({ listeners: [{ portMapping: { port: 8080, protocol: 'http2' } }], serviceDiscovery: { dns: { hostname: 'green.dev.local' } } });
    const route = set.resources.find((r) => r.address.kind === 'Route')!.input;
    expect(route).toMatchObject({
      meshName: 'colors-mesh', virtualRouterName: 'colors', routeName: 'colors',
      spec: { http2Route: { action: { weightedTargets: [{ virtualNode: 'blue', weight: 1 }, { virtualNode: 'green', weight: 1 }] }, timeout: { perRequest: { unit: 's', value: 60 } } } },
      tags: [
        { key: 'router-arn', value: 'arn:aws:appmesh:eu-west-1:123456789012:mesh/colors-mesh/virtualRouter/colors' },
        { key: 'route-arn', value: 'arn:aws:appmesh:eu-west-1:123456789012:mesh/colors-mesh/virtualRouter/colors/route/colors' },
        { key: 'either', value: 'yes' },
      ],
    });
    expect(by('colors.colors.local')).toEqual({
      meshName: 'colors-mesh', virtualServiceName: 'colors.colors.local',
      spec: { provider: { virtualRouter: { virtualRouterName: 'colors' } } },
    });
  });

  test('--stack-name, the region in effect and the local backend\'s account', async () => {
    const home = tempHome();
    const r = await runCli(['--region', 'ap-south-1', 'apply', '-f', file, '--parameter', 'ProjectName=colors', '--stack-name', 'colors-stack'], { home, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('Apply complete: 6 created, 0 updated, 0 deleted.') });
    const arn = 'arn:aws:appmesh:ap-south-1:111122223333:mesh/colors-mesh';
    const tags = await runCli(['--region', 'ap-south-1', 'appmesh', 'list-tags-for-resource', '--resource-arn', arn], { home });
    expect(JSON.parse(tags.stdout).tags).toEqual([
      { key: 'stack', value: 'colors-stack' },
      { key: 'where', value: 'ap-south-1/111122223333/aws/amazonaws.com' },
      { key: 'mesh-arn', value: arn }, // Ref of a mesh is its ARN, and it is the real one
    ]);
  });

  test('a JSON template works the same, with lines', async () => {
    const json = YAML.parse(TEMPLATE, { customTags: (await import('../../src/workflows/cloudformation/yaml-tags')).cfnYamlTags() as never });
    json.Resources.BlueNode.Properties.Spec.Listeners[0].PortMapping.Prot = 'http';
    const jdir = writeTree(tempDir(), { 'colors.json': JSON.stringify(json, null, 2) });
    const { code, findings } = await validate([path.join(jdir, 'colors.json'), '--parameter', 'ProjectName=colors'], { cwd: jdir });
    expect(code).toBe(1);
    const text = fs.readFileSync(path.join(jdir, 'colors.json'), 'utf8').split('\n');
    const am1 = findings.filter((f) => f.code === 'AM0001');
    expect(am1).toEqual([expect.objectContaining({
      message: 'Unknown parameter in spec.listeners[0].portMapping: "Prot", must be one of: port, protocol',
      path: 'Resources.BlueNode.Properties.Spec.Listeners[0].PortMapping.Prot',
    })]);
    expect(text[am1[0].line! - 1]).toContain('"Prot"');
  });
});

describe('what cannot be resolved', () => {
  const TEMPLATE_2 = `Resources:
  Mesh:
    Type: AWS::AppMesh::Mesh
    Properties: { MeshName: apps }
  Registry:
    Type: AWS::ServiceDiscovery::Service
    Properties: { Name: colors }
  Node:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: !GetAtt Mesh.MeshName
      VirtualNodeName: node
      Spec:
        Listeners:
          - PortMapping: { Port: 8080, Protocol: http }
        ServiceDiscovery:
          AWSCloudMap:
            NamespaceName: !ImportValue shared:Namespace
            ServiceName: !GetAtt Registry.Name
      Tags:
        - Key: mesh-uid
          Value: !GetAtt Mesh.Uid
        - Key: azs
          Value: !Select [0, !GetAZs '']
`;
  const dir = writeTree(tempDir(), { 'node.yaml': TEMPLATE_2 });
  const file = path.join(dir, 'node.yaml');

  test('AM0006 with file:line, the template path and the --parameter that supplies it', async () => {
    const { code, findings } = await validate([file], { cwd: dir });
    expect(code).toBe(1);
    const am6 = findings.filter((f) => f.code === 'AM0006').map((f) => ({ line: f.line, path: f.path, message: f.message, fix: f.fix }));
    expect(am6).toEqual([
      {
        line: 18, path: 'Resources.Node.Properties.Spec.ServiceDiscovery.AWSCloudMap.NamespaceName',
        message: 'Cannot resolve !ImportValue shared:Namespace: Fn::ImportValue reads the export "shared:Namespace" of another stack, which awsmesh cannot know',
        fix: 'Pass the value with --parameter shared:Namespace=VALUE, or replace the expression in the template with the value',
      },
      {
        line: 19, path: 'Resources.Node.Properties.Spec.ServiceDiscovery.AWSCloudMap.ServiceName',
        message: 'Cannot resolve !GetAtt Registry.Name: Registry is an AWS::ServiceDiscovery::Service, not an App Mesh resource of this template: its attributes are only known once the stack exists',
        fix: 'Pass the value with --parameter Registry.Name=VALUE, or replace the expression in the template with the value',
      },
      {
        line: 22, path: 'Resources.Node.Properties.Tags[0].Value',
        message: 'Cannot resolve !GetAtt Mesh.Uid: The Uid of Mesh is assigned by App Mesh when it is created',
        fix: 'Pass the value with --parameter Mesh.Uid=VALUE, or replace the expression in the template with the value',
      },
      {
        line: 24, path: 'Resources.Node.Properties.Tags[1].Value',
        message: 'Cannot resolve Fn::GetAZs: Fn::GetAZs is not supported in App Mesh resources by awsmesh',
        fix: 'Replace the expression in the template with its value',
      },
    ]);
    // no schema or analyzer noise from the placeholders
    expect(findings.filter((f) => f.severity === 'error' && f.code !== 'AM0006')).toEqual([]);
  });

  test('text output: file:line, code, message, fix', async () => {
    const r = await runCli(['validate', 'node.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('node.yaml:19: error AM0006: Cannot resolve !GetAtt Registry.Name: Registry is an AWS::ServiceDiscovery::Service');
    expect(r.stdout).toContain('(at Resources.Node.Properties.Spec.ServiceDiscovery.AWSCloudMap.ServiceName)\n    fix: Pass the value with --parameter Registry.Name=VALUE');
  });

  test('apply refuses before any call (exit 252); the values passed with --parameter make it go through', async () => {
    const home = tempHome();
    const refused = await runCli(['apply', '-f', file], { home, cwd: dir });
    expect(refused.code).toBe(252);
    expect(refused.stderr).toMatch(/AM0006/);
    expect(refused.stderr).toMatch(/Nothing was applied: 4 errors in the manifests/);
    const noMesh = await runCli(['appmesh', 'list-meshes'], { home });
    expect(JSON.parse(noMesh.stdout).meshes).toEqual([]);
    const params = ['shared:Namespace=apps.local', 'Registry.Name=colors', 'Mesh.Uid=u-1', 'AWS::NoSuch=x'];
    const stillAzs = await runCli(['apply', '-f', file, ...params.flatMap((p) => ['--parameter', p])], { home, cwd: dir });
    expect(stillAzs.code).toBe(252); // Fn::GetAZs cannot be supplied
    const fixed = TEMPLATE_2.replace("!Select [0, !GetAZs '']", 'us-west-2a');
    writeTree(dir, { 'node-fixed.yaml': fixed });
    const ok = await runCli(['apply', '-f', 'node-fixed.yaml', ...params.flatMap((p) => ['--parameter', p])], { home, cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('Apply complete: 2 created, 0 updated, 0 deleted.') });
    const node = JSON.parse((await runCli(['appmesh', 'describe-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'node'], { home })).stdout);
    expect(node.virtualNode.spec.serviceDiscovery.awsCloudMap).toEqual({ namespaceName: 'apps.local', serviceName: 'colors' });
  });

  test('--parameter needs Key=Value', async () => {
    const r = await runCli(['validate', file, '--parameter', 'NoEquals'], { cwd: dir });
    expect(r.code).toBe(252);
    expect(r.stderr).toContain("argument --parameter: expected Key=Value, got 'NoEquals'");
  });
});

describe('apply -f a corpus template, as real child processes', () => {
  const rel = 'walkthroughs/howto-http2/mesh.yaml';
  const template = path.join(CFN_DIR, rel);
  const home = tempHome();

  test('creates the mesh\'s resources, a second apply is a no-op, export shows them', async () => {
    const args = ['apply', '-f', template, '--parameter', 'ProjectName=howto-http2'];
    const first = await runBin(args, { home });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const created = first.stdout.split('\n').filter((l) => l.startsWith('+ created '));
    expect(created).toHaveLength(indexedCount(rel));
    expect(first.stdout).toContain(`Apply complete: ${indexedCount(rel)} created, 0 updated, 0 deleted.`);

    const second = await runBin(args, { home });
    expect(second).toMatchObject({ code: 0, stdout: 'No changes.\n' });

    const exported = await runBin(['export', '--mesh', 'howto-http2-mesh', '--format', 'json'], { home });
    expect(exported.code).toBe(0);
    const docs = JSON.parse(exported.stdout) as Record<string, any>[];
    expect(docs).toHaveLength(indexedCount(rel));
    // what the template declares, by kind and name, read from the template itself
    const parsed = YAML.parse(fs.readFileSync(template, 'utf8'), { customTags: (await import('../../src/workflows/cloudformation/yaml-tags')).cfnYamlTags() as never });
    const declared = Object.values(parsed.Resources as Record<string, any>).filter((r) => r.Type.startsWith('AWS::AppMesh::'));
    const nameOf = (kind: string, props: Record<string, any>) => {
      const v = props[`${kind === 'Mesh' ? 'Mesh' : kind}Name`];
      return typeof v === 'string' ? v : String(v['Fn::Sub']).replace('${ProjectName}', 'howto-http2');
    };
    const want = declared.map((r) => `${r.Type.slice('AWS::AppMesh::'.length)} ${nameOf(r.Type.slice('AWS::AppMesh::'.length), r.Properties)}`).sort();
    const got = docs.map((d) => `${d.kind} ${d[`${d.kind[0].toLowerCase()}${d.kind.slice(1)}Name`]}`).sort();
    expect(got).toEqual(want);
    const red = docs.find((d) => d.virtualNodeName === 'color_server-red')!;
    expect(red.spec.serviceDiscovery.awsCloudMap).toEqual({
      attributes: [{ key: 'ECS_TASK_DEFINITION_FAMILY', value: 'red' }], namespaceName: 'howto-http2.local', serviceName: 'color_server',
    });

    // and the exported manifests are the same state: applying them changes nothing
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'export.json'), exported.stdout);
    const again = await runBin(['apply', '-f', path.join(dir, 'export.json')], { home });
    expect(again).toMatchObject({ code: 0, stdout: 'No changes.\n' });
  });
});
