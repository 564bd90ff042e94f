// `awsmesh validate PATH…`: schema validation of every document plus the cross-resource analysis,
// printed as text (file:line, severity, code, message, fix) or as JSON for CI annotations.
// Exit 0 when there is no error-severity finding, 1 when there is, 252 when input is unreadable.

import type { App } from '../core/app';
import { ParamError, UsageError } from '../base/errors';
import { analyze } from './analyze';
import {
  FindingsError, findingsJson, formatFindingsText, painter, sortFindings, summaryLine,
} from './findings';
import { readMeshes } from './live';
import type { TemplateContext } from './cloudformation/resolver';
import { loadManifestSet } from './manifest';

export interface ValidateFlags {
  mesh?: string;
  againstLive?: boolean;
  /** --parameter Key=Value (repeatable): CloudFormation template parameters. */
  parameter?: string[];
  stackName?: string;
}

/** --parameter Key=Value… as a map (the last value of a key wins). */
export function parseParameters(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`argument --parameter: expected Key=Value, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** What CloudFormation templates resolve against: the region in effect and the backend's account. */
export function templateContext(app: App, flags: { parameter?: string[]; stackName?: string }): TemplateContext {
  const accountId = app.account();
  let region: string | undefined;
  try {
    region = app.region();
  } catch {
    region = undefined; // the aws backend without a configured region: AWS::Region stays unresolved
  }
  return { parameters: parseParameters(flags.parameter), stackName: flags.stackName, region, accountId };
}

/** validate and apply print findings as text unless `--output json` was given explicitly. */
export function findingsFormat(app: App): 'text' | 'json' {
  const o = app.globals.output;
  if (o === undefined || o === 'text') return 'text';
  if (o === 'json') return 'json';
  throw new UsageError(`argument --output: this command prints text or json (got '${o}')`);
}

export async function runValidate(app: App, paths: string[], flags: ValidateFlags): Promise<void> {
  const format = findingsFormat(app);
  const set = loadManifestSet(paths, app.io.cwd, { mesh: flags.mesh, cfn: templateContext(app, flags) });
  if (set.files.length === 0) throw new ParamError(`No manifest files (.json, .yaml, .yml) found in: ${paths.join(', ')}`);
  let context: Awaited<ReturnType<typeof readMeshes>> = [];
  if (flags.againstLive) {
    const meshes = [...new Set([...set.resources.map((r) => r.address.mesh), ...(flags.mesh ? [flags.mesh] : [])])];
    context = await readMeshes(await app.dispatcher(), meshes);
  }
  const findings = sortFindings([...set.findings, ...analyze(set.resources, context, { liveChecked: flags.againstLive })]);
  const summary = summaryLine(findings, set.files.length);
  if (format === 'json') app.io.stdout.write(findingsJson(findings));
  else app.io.stdout.write(formatFindingsText(findings, painter(app.colorEnabled())));
  if (findings.some((f) => f.severity === 'error')) throw new FindingsError(summary);
  app.io.stderr.write(`${summary}\n`);
}
