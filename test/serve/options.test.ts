// `awsmesh serve` refuses unsafe or malformed configurations before listening (exit 252).

import * as fs from 'fs';
import * as path from 'path';
import { resolveServeOptions } from '../../src/server/serve/options';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

afterAll(() => cleanupHomes());
const parse = (t: string) => JSON.parse(t);

test('precedence: flag > AWSMESH_SERVE_* > --config file > default', () => {
  const home = tempHome();
  const file = path.join(home, 'serve.json');
  fs.writeFileSync(file, JSON.stringify({ port: 7000, 'xds-port': 7001, 'debounce-ms': 5, 'signing-name': ['appmesh', 'appmesh-preview'] }));
  const o = resolveServeOptions({ config: file, port: '8000' }, { AWSMESH_SERVE_XDS_PORT: '8001' }, parse);
  expect(o).toMatchObject({ port: 8000, xdsPort: 8001, debounceMs: 5, signingName: ['appmesh', 'appmesh-preview'], host: '127.0.0.1', auth: 'iam' });
  fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
  expect(() => resolveServeOptions({ config: file }, {}, parse)).toThrow(/unknown option\(s\) prot/);
  expect(() => resolveServeOptions({ port: '70000' }, {}, parse)).toThrow('argument --port: expected an integer from 0 to 65535, got "70000"');
  expect(() => resolveServeOptions({}, { AWSMESH_SERVE_AUTH: 'maybe' }, parse)).toThrow(/AWSMESH_SERVE_AUTH: expected one of iam, none/);
  expect(() => resolveServeOptions({ tlsCert: '/x' }, {}, parse)).toThrow('--tls-cert and --tls-key go together');
});

test('a non-loopback address needs TLS and authentication, or --insecure (which warns)', async () => {
  const plain = await runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
  expect(plain.code).toBe(252);
  expect(plain.stderr).toMatch(/listening on 0\.0\.0\.0 \(not loopback\) needs TLS .* pass --insecure/);
  const noAuth = await runCli(['serve', '--host', '0.0.0.0', '--auth', 'none', '--tls-hostname', 'localhost']);
  expect(noAuth.code).toBe(252);
  expect(noAuth.stderr).toMatch(/needs authentication \(--auth iam\)/);
});
