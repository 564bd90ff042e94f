// What `awsmesh validate` reports: findings with stable codes (documented in README, never
// renumbered), a severity, a message, a suggested fix and where in which file.

import { FindingsError } from '../base/errors';

/** Exit 1: the input was read, and findings of error severity were reported. */
export { FindingsError };

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  fix?: string;
  file?: string;
  line?: number;
  /** Path inside the document (`spec.httpRoute.action.weightedTargets[0].weight`). */
  path?: string;
  /** `VirtualNode apps/serviceA`, when the finding is about one resource. */
  resource?: string;
}

/** Every code with its usual severity and a one-line title (README's table is made from this). */
export const CODES = {
  AM0001: { severity: 'error', title: 'The document does not match the Create<Kind> input schema' },
  AM0002: { severity: 'error', title: 'The kind is missing, unknown, or the document is not an object' },
  AM0003: { severity: 'error', title: 'The same resource is declared more than once' },
  AM0004: { severity: 'info', title: 'Not an App Mesh document (an IAM policy); skipped' },
  AM0005: { severity: 'info', title: 'CloudFormation template or Kubernetes manifest: resources of other types (or whose Condition is false) skipped' },
  AM0006: { severity: 'error', title: 'CloudFormation template: a value cannot be resolved (another resource type, ImportValue, Uid, …)' },
  AM0007: { severity: 'error', title: 'CloudFormation template: a parameter has no Default and no --parameter value' },
  AM0008: { severity: 'error', title: "Kubernetes manifest: the object's mesh (or a gateway route's virtual gateway) cannot be determined" },
  AM0009: { severity: 'error', title: 'Kubernetes manifest: a …Ref names no object of the input, or a …ARN is not an ARN of that kind' },
  AM0010: { severity: 'error', title: 'Kubernetes manifest: BackendGroup (and spec.backendGroups) is not supported' },
  AM0101: { severity: 'warning', title: 'The mesh is not declared (it must already exist); an error when checked against live state' },
  AM0102: { severity: 'error', title: "A route's virtual router or a gateway route's virtual gateway does not exist" },
  AM0103: { severity: 'error', title: 'A route targets a virtual node that does not exist' },
  AM0104: { severity: 'error', title: "A virtual service's provider (virtual node or router) does not exist" },
  AM0105: { severity: 'error', title: 'A gateway route targets a virtual service that does not exist' },
  AM0106: { severity: 'warning', title: 'A virtual node lists a backend that no declared virtual service provides' },
  AM0107: { severity: 'info', title: 'No virtual node lists the virtual service as a backend and no gateway route targets it' },
  AM0201: { severity: 'error', title: "All of a route's weighted targets have weight 0: the route sends traffic nowhere" },
  AM0202: { severity: 'warning', title: 'Route weights add up to more than 100 (weights are relative, not percentages)' },
  AM0203: { severity: 'info', title: 'Route weights do not add up to 100; the effective split is shown' },
  AM0301: { severity: 'warning', title: "The route type differs from the listener's HTTP flavour (e.g. httpRoute on an http2 router; App Mesh tolerates it)" },
  AM0302: { severity: 'error', title: 'The route type cannot carry the listener protocol (TCP vs HTTP-family)' },
  AM0303: { severity: 'error', title: 'The router/gateway has several listeners and the route has no match.port' },
  AM0304: { severity: 'error', title: 'match.port is not a listener port of the router/gateway' },
  AM0305: { severity: 'error', title: 'A target port is missing (several listeners) or not a listener port of the target' },
  AM0306: { severity: 'warning', title: 'Traffic goes to a virtual node that has no listeners' },
  AM0401: { severity: 'warning', title: "A virtual node's DNS hostname differs only in letter case from a virtual service name" },
  AM0501: { severity: 'warning', title: 'Health check timeoutMillis is not shorter than intervalMillis' },
  AM0502: { severity: 'error', title: 'An HTTP/HTTP2 health check has no path (Envoy requires one)' },
  AM0503: { severity: 'warning', title: 'Retries cannot fit in the per-request timeout (perRetryTimeout × (maxRetries+1) > perRequest, 15 s by default)' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type Code = keyof typeof CODES;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Findings in a stable order: by file, line, then code. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0)
    || a.code.localeCompare(b.code) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
    || a.message.localeCompare(b.message));
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export interface Painter {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  bold(s: string): string;
}

/** Identity painter for plain output. */
export const PLAIN: Painter = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, dim: (s) => s, green: (s) => s, bold: (s) => s };

/** A chalk-backed painter (colour only when asked: a TTY or --color on). */
export function painter(color: boolean): Painter {
  if (!color) return PLAIN;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const chalk = require('chalk') as typeof import('chalk');
  const c = new chalk.Instance({ level: 1 });
  return { red: c.red, yellow: c.yellow, cyan: c.cyan, dim: c.dim, green: c.green, bold: c.bold };
}

/** `file:line: severity AM0103: message` lines, each fix on an indented line below. */
export function formatFindingsText(findings: Finding[], paint: Painter = PLAIN): string {
  const lines: string[] = [];
  for (const f of findings) {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
    const sev = f.severity === 'error' ? paint.red('error') : f.severity === 'warning' ? paint.yellow('warning') : paint.cyan('info');
    const at = f.path ? paint.dim(` (at ${f.path})`) : '';
    lines.push(`${where}${sev} ${f.code}: ${f.message}${at}`);
    if (f.fix) lines.push(`    fix: ${f.fix}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/** What an AM0005 says was skipped: `7 documents of other kinds skipped: 4 Service, 2 Deployment, 1 Namespace` (most first). */
export function skippedText(counts: Map<string, number>, noun: string, other: string): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const list = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `${n} ${t}`).join(', ');
  return `${plural(total, noun)} of other ${other} skipped: ${list}`;
}

export function summaryLine(findings: Finding[], files: number): string {
  const c = countBySeverity(findings);
  return `${plural(files, 'file')} checked: ${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info`;
}

/** The machine-readable form (`--output json`): one object per finding, fixed member order. */
export function findingsJson(findings: Finding[]): string {
  const rows = findings.map((f) => ({
    code: f.code,
    severity: f.severity,
    message: f.message,
    fix: f.fix ?? null,
    file: f.file ?? null,
    line: f.line ?? null,
    path: f.path ?? null,
    resource: f.resource ?? null,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
