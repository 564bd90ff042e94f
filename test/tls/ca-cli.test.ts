// `awsmesh local ca init | issue | list` through the CLI (in process, real files in a temp
// AWSMESH_HOME): SANs App Mesh would use, file modes, output, and errors that change nothing.

import { createPrivateKey, X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

let home: string;
const cli = (...args: string[]) => runCli(args, { home });
const json = (s: string) => JSON.parse(s);
const mode = (p: string) => fs.statSync(p).mode & 0o777;

beforeAll(async () => {
  home = tempHome('awsmesh-ca-cli-');
  for (const args of [
    ['appmesh', 'create-mesh', '--mesh-name', 'apps'],
    ['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'colorteller', '--spec',
      '{"listeners":[{"portMapping":{"port":9080,"protocol":"http"}}],"serviceDiscovery":{"dns":{"hostname":"colorteller.apps.local"}}}'],
    ['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'mapped', '--spec',
      '{"listeners":[{"portMapping":{"port":9080,"protocol":"http"}}],"serviceDiscovery":{"awsCloudMap":{"namespaceName":"apps.local","serviceName":"mapped"}}}'],
    ['appmesh', 'create-virtual-gateway', '--mesh-name', 'apps', '--virtual-gateway-name', 'gw', '--spec',
      '{"listeners":[{"portMapping":{"port":9080,"protocol":"http"}}]}'],
  ]) {
    const r = await cli(...args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
});

afterAll(() => cleanupHomes());

describe('errors change nothing', () => {
  test.each([
    [['--mesh', 'apps', '--virtual-node', 'colorteller', '--virtual-gateway', 'gw'], 'give either --virtual-node or --virtual-gateway'],
    [['--virtual-node', 'colorteller'], 'the following arguments are required: --mesh'],
    [[], 'the following arguments are required: --virtual-node, --virtual-gateway or --san'],
    [['--san', 'a.local', '--days', '0'], "argument --days: expected a whole number of days from 1 to 3650, got '0'"],
    [['--san', 'a.local', '--days', '1.5'], 'argument --days'],
    [['--san', 'not a name'], "argument --san: 'not a name' is neither a DNS name nor a URI"],
    [['--san', 'a.local', '--acm-arn', 'arn:aws:s3:::bucket'], "argument --acm-arn: 'arn:aws:s3:::bucket' is not an ACM certificate ARN"],
    [['--san', 'a.local', '--certificate-chain-path', '/keys/c.pem'], '--certificate-chain-path and --private-key-path go together'],
  ])('issue %j → 252', async (args, message) => {
    const r = await cli('local', 'ca', 'issue', ...args);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(home, 'ca'))).toBe(false);
  });

  test('an unknown node fails like describe-virtual-node (254) and issues nothing', async () => {
    const r = await cli('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'ghost');
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeVirtualNode operation');
    expect(fs.existsSync(path.join(home, 'ca'))).toBe(false);
  });

  test('list before init says so', async () => {
    const r = await cli('local', 'ca', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No local CA in');
  });
});

describe('init, issue, list', () => {
  let first: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  test('init creates a self-signed CA root with private files; a second init changes nothing', async () => {
    const r = await cli('local', 'ca', 'init');
    expect(r.code).toBe(0);
    const ca = json(r.stdout).certificateAuthority;
    expect(ca).toMatchObject({ subject: 'CN=awsmesh local CA', created: true, certificatePath: path.join(home, 'ca', 'root', 'ca.pem') });
    const root = new X509Certificate(fs.readFileSync(ca.certificatePath));
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(mode(path.join(home, 'ca'))).toBe(0o700);
    expect(mode(path.join(home, 'ca', 'root', 'ca.key.pem'))).toBe(0o600);
    const again = await cli('local', 'ca', 'init');
    expect(again.code).toBe(0);
    expect(json(again.stdout).certificateAuthority).toMatchObject({ created: false, serialNumber: ca.serialNumber });
    expect(again.stderr).toContain('already exists; nothing changed');
  });

  test('issue for a DNS virtual node: its hostname and spiffe://<mesh>/virtualNode/<name>, signed by the root', async () => {
    const r = await cli('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'colorteller', '--secret-name', 'colorteller-cert',
      '--acm-arn', 'arn:aws:acm:us-west-2:111122223333:certificate/abc-123', '--days', '10', '--san', '*.extra.local');
    expect(r.code).toBe(0);
    first = json(r.stdout).certificate;
    expect(first).toMatchObject({
      subject: 'CN=colorteller.apps.local', mesh: 'apps', virtualNode: 'colorteller',
      subjectAlternativeNames: ['DNS:colorteller.apps.local', 'DNS:*.extra.local', 'URI:spiffe://apps/virtualNode/colorteller'],
      secretNames: ['colorteller-cert'], acmArns: ['arn:aws:acm:us-west-2:111122223333:certificate/abc-123'],
    });
    const cert = new X509Certificate(fs.readFileSync(first.certificatePath));
    expect(cert.subjectAltName).toBe('DNS:colorteller.apps.local, DNS:*.extra.local, URI:spiffe://apps/virtualNode/colorteller');
    const root = new X509Certificate(fs.readFileSync(path.join(home, 'ca', 'root', 'ca.pem')));
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(first.privateKeyPath)))).toBe(true);
    expect(mode(first.privateKeyPath)).toBe(0o600);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThanOrEqual(10);
  });

  test('issue for a Cloud Map node uses service.namespace; for a gateway, its spiffe identity', async () => {
    const mapped = await cli('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'mapped');
    expect(json(mapped.stdout).certificate.subjectAlternativeNames).toEqual(['DNS:mapped.apps.local', 'URI:spiffe://apps/virtualNode/mapped']);
    const gw = await cli('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-gateway', 'gw', '--san', 'URI:spiffe://apps/extra',
      '--certificate-chain-path', '/keys/gw_cert_chain.pem', '--private-key-path', '/keys/gw_key.pem', '--trust-chain-path', '/keys/ca_cert.pem');
    expect(gw.code).toBe(0);
    expect(json(gw.stdout).certificate).toMatchObject({
      subject: 'CN=gw', subjectAlternativeNames: ['URI:spiffe://apps/virtualGateway/gw', 'URI:spiffe://apps/extra'],
      certificateChainPaths: ['/keys/gw_cert_chain.pem'], privateKeyPaths: ['/keys/gw_key.pem'], trustChainPaths: ['/keys/ca_cert.pem'],
    });
  });

  test('--out writes the certificate, its key (0600) and the CA root', async () => {
    const out = path.join(home, 'out');
    const r = await cli('local', 'ca', 'issue', '--san', 'plain.local', '--out', out);
    expect(r.code).toBe(0);
    const serial = json(r.stdout).certificate.serialNumber;
    expect(new X509Certificate(fs.readFileSync(path.join(out, 'cert.pem'))).serialNumber).toBe(serial);
    expect(mode(path.join(out, 'key.pem'))).toBe(0o600);
    expect(fs.readFileSync(path.join(out, 'ca.pem'), 'utf8')).toBe(fs.readFileSync(path.join(home, 'ca', 'root', 'ca.pem'), 'utf8'));
  });

  test('re-issuing under the same secret name supersedes; list shows subject, SANs, expiry, what each serves', async () => {
    const again = await cli('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'colorteller', '--secret-name', 'colorteller-cert');
    expect(again.code).toBe(0);
    const second = json(again.stdout).certificate;
    const listed = await runCli(['local', 'ca', 'list', '--output', 'json'], { home });
    const certs = json(listed.stdout).certificates as Array<{ serialNumber: string; status: string }>;
    expect(certs).toHaveLength(5);
    const status = Object.fromEntries(certs.map((c) => [c.serialNumber, c.status]));
    // The first one still serves its ACM ARN, which nothing newer took over.
    expect(status[first.serialNumber]).toBe('active');
    expect(status[second.serialNumber]).toBe('active');
    const text = await cli('local', 'ca', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^CA: +CN=awsmesh local CA/m);
    expect(text.stdout).toContain('Issued:  5');
    expect(text.stdout).toMatch(/SERIAL +SUBJECT +SANS +EXPIRES +SERVES +STATUS/);
    expect(text.stdout).toContain('sds:colorteller-cert, acm:arn:aws:acm:us-west-2:111122223333:certificate/abc-123');
    expect(text.stdout).toContain('file:/keys/gw_cert_chain.pem, trust:/keys/ca_cert.pem');
    const third = await cli('local', 'ca', 'issue', '--san', 'x.local', '--secret-name', 'colorteller-cert', '--acm-arn', 'arn:aws:acm:us-west-2:111122223333:certificate/abc-123');
    const after = json((await runCli(['local', 'ca', 'list', '--output', 'json'], { home })).stdout).certificates as Array<{ serialNumber: string; status: string }>;
    const st = Object.fromEntries(after.map((c) => [c.serialNumber, c.status]));
    expect(st[first.serialNumber]).toBe('superseded');
    expect(st[second.serialNumber]).toBe('superseded');
    expect(st[json(third.stdout).certificate.serialNumber]).toBe('active');
  });
});
