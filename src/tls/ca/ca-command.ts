// The work behind `awsmesh local ca init | issue | list`. Option problems exit 252 before
// anything is written; an unknown node or gateway fails like describe-virtual-node (254).

import * as fs from 'fs';
import * as path from 'path';
import type { App } from '../../core/app';
import { UsageError } from '../../base/errors';
import { PRIVATE_MODE, writeFileAtomic } from '../../base/private-file';
import type { VirtualNodeSpec } from '../../mesh/types';
import { CaStore, type CertificateRecord } from './store';
import { commonName, meshSans, splitSans } from './sans';

export interface IssueFlags {
  mesh?: string;
  virtualNode?: string;
  virtualGateway?: string;
  san: string[];
  days: string;
  secretName: string[];
  acmArn: string[];
  certificateChainPath?: string;
  privateKeyPath?: string;
  trustChainPath: string[];
  out?: string;
}

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const MAX_DAYS = 3650;

function store(app: App): CaStore {
  return CaStore.forEnv(app.env);
}

export async function runInit(app: App): Promise<void> {
  const ca = store(app);
  const { created } = await ca.init();
  if (!created) app.io.stderr.write(`The local CA in ${ca.dir} already exists; nothing changed.\n`);
  app.print({ certificateAuthority: { ...ca.rootInfo(), created } });
}

function checkIssueFlags(f: IssueFlags): { days: number; extraDns: string[]; extraUris: string[] } {
  if (f.virtualNode && f.virtualGateway) throw new UsageError('give either --virtual-node or --virtual-gateway, not both');
  if ((f.virtualNode || f.virtualGateway) && !f.mesh) throw new UsageError('the following arguments are required: --mesh');
  if (!f.virtualNode && !f.virtualGateway && f.san.length === 0) {
    throw new UsageError('the following arguments are required: --virtual-node, --virtual-gateway or --san');
  }
  if (f.mesh && !f.virtualNode && !f.virtualGateway) throw new UsageError('--mesh needs --virtual-node or --virtual-gateway');
  if (!/^\d+$/.test(f.days) || Number(f.days) < 1 || Number(f.days) > MAX_DAYS) {
    throw new UsageError(`argument --days: expected a whole number of days from 1 to ${MAX_DAYS}, got '${f.days}'`);
  }
  for (const arn of f.acmArn) {
    if (!ACM_ARN.test(arn)) throw new UsageError(`argument --acm-arn: '${arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`);
  }
  if (Boolean(f.certificateChainPath) !== Boolean(f.privateKeyPath)) {
    throw new UsageError('--certificate-chain-path and --private-key-path go together (a file certificate names both)');
  }
  for (const n of f.secretName) if (!n.trim()) throw new UsageError('argument --secret-name: expected a non-empty name');
  const { dns, uris, invalid } = splitSans(f.san);
  if (invalid.length) {
    throw new UsageError(`argument --san: '${invalid[0]}' is neither a DNS name nor a URI (scheme://…)`);
  }
  return { days: Number(f.days), extraDns: dns, extraUris: uris };
}

export async function runIssue(app: App, f: IssueFlags): Promise<void> {
  const { days, extraDns, extraUris } = checkIssueFlags(f);
  let base: { dns: string[]; uris: string[] } = { dns: [], uris: [] };
  // The node's or gateway's own describe call: a missing one fails with describe's error (exit 254).
  if (f.virtualNode) {
    const { virtualNode } = await (await app.dispatcher()).call('appmesh', 'DescribeVirtualNode', { meshName: f.mesh!, virtualNodeName: f.virtualNode });
    base = meshSans(f.mesh!, 'virtualNode', f.virtualNode, virtualNode.spec as VirtualNodeSpec);
  } else if (f.virtualGateway) {
    await (await app.dispatcher()).call('appmesh', 'DescribeVirtualGateway', { meshName: f.mesh!, virtualGatewayName: f.virtualGateway });
    base = meshSans(f.mesh!, 'virtualGateway', f.virtualGateway, undefined);
  }
  const dns = [...new Set([...base.dns, ...extraDns])];
  const uris = [...new Set([...base.uris, ...extraUris])];
  const ca = store(app);
  const created = !ca.initialised();
  const record = await ca.issue({
    commonName: commonName(dns, f.virtualNode ?? f.virtualGateway ?? uris[0] ?? 'awsmesh'),
    dns, uris, days,
    describe: {
      mesh: f.mesh,
      virtualNode: f.virtualNode,
      virtualGateway: f.virtualGateway,
      secretNames: [...new Set(f.secretName)],
      acmArns: [...new Set(f.acmArn)],
      certificateChainPaths: f.certificateChainPath ? [f.certificateChainPath] : [],
      privateKeyPaths: f.privateKeyPath ? [f.privateKeyPath] : [],
      trustChainPaths: [...new Set(f.trustChainPath)],
    },
  });
  if (created) app.io.stderr.write(`Created the local CA in ${ca.dir}.\n`);
  if (f.out) writeOut(ca, record, f.out);
  app.print({ certificate: record });
}

/** cert.pem, key.pem (0600) and ca.pem in `dir`, each replaced atomically. */
function writeOut(ca: CaStore, r: CertificateRecord, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const { chainPem, keyPem } = ca.readPair(r);
  writeFileAtomic(path.join(dir, 'key.pem'), keyPem, PRIVATE_MODE);
  writeFileAtomic(path.join(dir, 'cert.pem'), chainPem, 0o644);
  writeFileAtomic(path.join(dir, 'ca.pem'), ca.rootPem(), 0o644);
}

type Status = 'active' | 'superseded' | 'expired';

/** Expired; superseded when every name it serves has a newer certificate; else active. */
function statuses(records: CertificateRecord[], now: number): Status[] {
  return records.map((r, i) => {
    if (Date.parse(r.notAfter) <= now) return 'expired';
    const names = [
      ...r.secretNames.map((n) => `s:${n}`), ...r.acmArns.map((n) => `a:${n}`), ...r.certificateChainPaths.map((n) => `p:${n}`),
    ];
    if (!names.length) return 'active';
    const later = records.slice(i + 1);
    const newer = (n: string) => later.some((o) => [
      ...o.secretNames.map((x) => `s:${x}`), ...o.acmArns.map((x) => `a:${x}`), ...o.certificateChainPaths.map((x) => `p:${x}`),
    ].includes(n));
    return names.every(newer) ? 'superseded' : 'active';
  });
}

export async function runList(app: App): Promise<void> {
  const ca = store(app);
  const records = ca.records();
  const now = Date.now();
  const status = statuses(records, now);
  if (app.globals.output !== undefined) {
    app.print({
      certificateAuthority: ca.initialised() ? ca.rootInfo() : null,
      certificates: records.map((r, i) => ({ ...r, status: status[i] })),
    });
    return;
  }
  if (!ca.initialised()) {
    app.io.stdout.write(`No local CA in ${ca.dir} (awsmesh local ca init creates one).\n`);
    return;
  }
  const root = ca.rootInfo();
  const lines = [`CA:      ${root.subject} (expires ${root.notAfter.slice(0, 10)}), root ${root.certificatePath}`, `Issued:  ${records.length}`];
  if (records.length) {
    const rows = records.map((r, i) => {
      const serves = [
        ...r.secretNames.map((n) => `sds:${n}`), ...r.acmArns.map((n) => `acm:${n}`),
        ...r.certificateChainPaths.map((n) => `file:${n}`), ...r.trustChainPaths.map((n) => `trust:${n}`),
      ];
      const days = Math.floor((Date.parse(r.notAfter) - now) / 86_400_000);
      return [
        r.serialNumber.slice(0, 12).toLowerCase(), r.subject, r.subjectAlternativeNames.join(', '),
        `${r.notAfter.slice(0, 10)} (${days}d)`, serves.join(', ') || '-', status[i],
      ];
    });
    const table = [['SERIAL', 'SUBJECT', 'SANS', 'EXPIRES', 'SERVES', 'STATUS'], ...rows];
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    lines.push('', ...table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')));
  }
  app.io.stdout.write(`${lines.join('\n')}\n`);
}
