// `awsmesh envoy config|bootstrap|validate` as users run them: on the local backend and through
// --endpoint-url (a real `local serve` HTTP server), with AWS-style errors and exit codes.

import * as fs from 'fs';
import * as path from 'path';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { errorsOnly, validateEnvoyJson } from '../../src/envoy/validate';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { loadWalkthrough, REGION } from './helpers/corpus-mesh';

let home: string;
let server: RunningServer;
let serverBackend: LocalBackend;

beforeAll(async () => {
  home = tempHome('awsmesh-envoy-cli-');
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333' });
  const call = (op: string, input: Record<string, unknown>) => backend.invoke('appmesh', op, input, { region: REGION });
  await loadWalkthrough({ home, backend, call, close: async () => undefined });
  await call('CreateVirtualGateway', {
    meshName: 'apps', virtualGatewayName: 'ingress', spec: { listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] },
  });
  await call('CreateGatewayRoute', {
    meshName: 'apps', virtualGatewayName: 'ingress', gatewayRouteName: 'to-b',
    spec: { httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: 'serviceb.apps.local' } } } } },
  });
  await backend.close();
  // The same state served on the App Mesh wire protocol, for the --endpoint-url path.
  serverBackend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333' });
  server = await startServer({ backend: serverBackend, host: '127.0.0.1', port: 0, defaultRegion: REGION, version: 'test' });
});

afterAll(async () => {
  await server?.close();
  await serverBackend?.close();
  cleanupHomes();
});

const run = (...args: string[]) => runCli(args, { home });

describe('envoy config', () => {
  test('prints the static bootstrap of a virtual node, which Envoy would accept', async () => {
    const r = await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'serviceA');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.node.id).toBe('mesh/apps/virtualNode/serviceA');
    expect(doc.static_resources.listeners.map((l: any) => l.name)).toEqual(['lds_ingress_0.0.0.0_15000', 'lds_egress_0.0.0.0_15001']);
    expect(errorsOnly(validateEnvoyJson(doc))).toEqual([]);
  });

  test('--format yaml is the same document; --admin-port moves the admin listener', async () => {
    const json = JSON.parse((await run('envoy', 'config', '--mesh-name', 'apps', '--virtual-node', 'serviceB')).stdout);
    const yaml = await run('envoy', 'config', '--mesh-name', 'apps', '--virtual-node', 'serviceB', '--format', 'yaml', '--admin-port', '9902');
    expect(yaml.code).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const doc = require('yaml').parse(yaml.stdout);
    expect(doc.admin.address.socket_address.port_value).toBe(9902);
    doc.admin.address.socket_address.port_value = 9901;
    expect(doc).toEqual(json);
  });

  test('a virtual gateway: its listener port and the self-redirect through the egress listener', async () => {
    const r = await run('envoy', 'config', '--mesh', 'apps', '--virtual-gateway', 'ingress', '--validate');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/^error:/m);
    const doc = JSON.parse(r.stdout);
    expect(doc.node.id).toBe('mesh/apps/virtualGateway/ingress');
    expect(doc.static_resources.listeners.map((l: any) => l.name).sort()).toEqual(['lds_egress_0.0.0.0_15001', 'lds_ingress_0.0.0.0_8088']);
    expect(doc.static_resources.clusters.map((c: any) => c.name)).toContain('cds_ingress_apps_ingress_self_redirect_http_15001');
  });

  test('through --endpoint-url (the aws backend against local serve) the config is the same', async () => {
    const local = JSON.parse((await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'serviceA')).stdout);
    const remote = await runCli(['envoy', 'config', '--mesh', 'apps', '--virtual-node', 'serviceA', '--endpoint-url', server.url, '--region', REGION], {
      home: tempHome(),
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual(local);
  });

  test.each([
    [['--mesh', 'apps', '--virtual-node', 'nope'], 254, 'An error occurred (NotFoundException) when calling the DescribeVirtualNode operation'],
    [['--mesh', 'nope', '--virtual-node', 'serviceA'], 254, 'An error occurred (NotFoundException) when calling the DescribeVirtualNode operation'],
    [['--mesh', 'apps', '--virtual-gateway', 'nope'], 254, 'An error occurred (NotFoundException) when calling the DescribeVirtualGateway operation'],
    [['--virtual-node', 'serviceA'], 252, 'the following arguments are required: --mesh'],
    [['--mesh', 'apps'], 252, 'one of the arguments --virtual-node --virtual-gateway is required'],
    [['--mesh', 'apps', '--virtual-node', 'a', '--virtual-gateway', 'b'], 252, 'mutually exclusive'],
    [['--mesh', 'apps', '--virtual-node', 'serviceA', '--format', 'xml'], 252, "argument --format: Invalid choice"],
    [['--mesh', 'apps', '--virtual-node', 'serviceA', '--admin-port', '99999'], 252, 'is not a port'],
  ])('envoy config %j exits %i', async (args, code, message) => {
    const r = await run('envoy', 'config', ...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('envoy bootstrap', () => {
  test('node identity and ADS to the given xDS server', async () => {
    const r = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', 'serviceB', '--xds-address', '127.0.0.1:15999', '--validate');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    // The metadata tells the xDS server to serve App Mesh SDS secrets over ADS (the default).
    expect(doc.node).toEqual({ id: 'mesh/apps/virtualNode/serviceB', cluster: 'mesh/apps/virtualNode/serviceB', metadata: { awsmesh: { sds: 'ads' } } });
    expect(doc.static_resources.clusters.map((c: any) => c.name)).toEqual(['xds_cluster']);
    expect(doc.dynamic_resources.ads_config).toMatchObject({ api_type: 'GRPC', transport_api_version: 'V3' });
    expect(doc.dynamic_resources.lds_config).toEqual({ ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' });
    expect(doc.dynamic_resources.cds_config).toEqual(doc.dynamic_resources.lds_config);
    const xds = doc.static_resources.clusters.find((c: any) => c.name === doc.dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name);
    expect(xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15999 });
    expect(r.stderr).toBe('');
  });

  test('--cluster and an SDS socket', async () => {
    const r = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', 'serviceB', '--cluster', 'b-canary', '--sds-socket-path', '/run/spire/sockets/agent.sock');
    const doc = JSON.parse(r.stdout);
    expect(doc.node.cluster).toBe('b-canary');
    expect(doc.node.metadata).toEqual({ awsmesh: { sds: 'socket' } });
    expect(doc.static_resources.clusters.map((c: any) => c.name)).toEqual(['xds_cluster', 'static_cluster_sds_unix_socket']);
    expect(errorsOnly(validateEnvoyJson(doc))).toEqual([]);
  });

  test('errors: unknown node 254, bad --xds-address 252', async () => {
    const missing = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', 'ghost');
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('(NotFoundException) when calling the DescribeVirtualNode operation');
    const bad = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', 'serviceB', '--xds-address', 'localhost:port');
    expect(bad.code).toBe(252);
    expect(bad.stderr).toContain('argument --xds-address');
  });
});

describe('envoy validate', () => {
  const write = (name: string, text: string) => {
    const file = path.join(home, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('a generated config is valid; the same with a typo and a bad port is not (exit 1, with paths)', async () => {
    const good = (await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'serviceA')).stdout;
    const ok = await run('envoy', 'validate', write('good.json', good));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/good\.json: valid envoy\.config\.bootstrap\.v3\.Bootstrap/);

    const doc = JSON.parse(good);
    doc.static_resources.clusters[0].conect_timeout = '1s';
    doc.admin.address.socket_address.port_value = 'http';
    const bad = await run('envoy', 'validate', write('bad.yaml', (await import('yaml')).stringify(doc)));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('error: static_resources.clusters[0].conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster');
    expect(bad.stderr).toContain('error: admin.address.socket_address.port_value: expected an integer (uint32), got string "http"');
  });

  test('--type picks the message: a single cluster', async () => {
    const file = write('cluster.json', JSON.stringify({ name: 'c', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } }));
    expect((await run('envoy', 'validate', file, '--type', 'envoy.config.cluster.v3.Cluster')).code).toBe(0);
    expect((await run('envoy', 'validate', file)).code).toBe(1); // not a bootstrap
    const unknown = await run('envoy', 'validate', file, '--type', 'envoy.config.nope.v3.Nope');
    expect(unknown.code).toBe(252);
  });

  test('unreadable or unparsable files', async () => {
    const missing = await run('envoy', 'validate', path.join(home, 'absent.json'));
    expect(missing.code).toBe(252);
    expect(missing.stderr).toContain('cannot read');
    const garbage = await run('envoy', 'validate', write('garbage.json', '{"a": [1,'));
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain('not JSON or YAML');
  });
});
