// `awsmesh apply -f PATH… [--dry-run] [--prune] [--mesh NAME] [--yes]`: validate, read the live
// state of the meshes involved, plan, then apply in dependency order. Nothing is applied when
// validation fails (252 for unreadable or schema-invalid input, 1 for analyzer errors); a failed
// call stops the run with a report and the service error (254).

import type { App } from '../core/app';
import { ParamError } from '../base/errors';
import { askLine } from '../base/prompt';
import { startProgress } from '../base/progress';
import { analyze } from './analyze';
import { executePlan, failureReport, summary } from './execute';
import {
  FindingsError, formatFindingsText, painter, sortFindings, type Finding, type Painter,
} from './findings';
import { addressKey } from './kinds';
import { attachTags, readMeshes } from './live';
import { loadManifestSet, type Resource } from './manifest';
import { computePlan, planCounts, planJson, renderPlan, type Plan } from './plan';
import { findingsFormat, templateContext } from './validate-command';

export interface ApplyFlags {
  filename: string[];
  mesh?: string;
  dryRun?: boolean;
  prune?: boolean;
  yes?: boolean;
  parameter?: string[];
  stackName?: string;
}

/** Findings that mean the input itself is wrong (schema, kind, duplicates): exit 252 like the CLI. */
const INPUT_CODES = new Set(['AM0001', 'AM0002', 'AM0003', 'AM0006', 'AM0007', 'AM0008', 'AM0009', 'AM0010']);

function checkFindings(app: App, findings: Finding[], paint: Painter): void {
  const shown = sortFindings(findings.filter((f) => f.severity !== 'info'));
  if (shown.length) app.io.stderr.write(formatFindingsText(shown, paint));
  const errors = shown.filter((f) => f.severity === 'error');
  if (errors.some((f) => INPUT_CODES.has(f.code))) {
    throw new ParamError(`Nothing was applied: ${errors.length} error${errors.length === 1 ? '' : 's'} in the manifests (see above).`);
  }
  if (errors.length) throw new FindingsError(`Nothing was applied: ${errors.length} error${errors.length === 1 ? '' : 's'} found by the analyzers (see above).`);
}

/**
 * The resources the analyzers see next to the declared ones: live resources that stay (all of
 * them without --prune; with --prune only the meshes that still hold declared resources).
 */
function remainingLive(live: Resource[], declared: Resource[], prune: boolean): Resource[] {
  if (!prune) return live;
  const keep = new Set(declared.map((r) => r.address.mesh));
  return live.filter((r) => r.address.kind === 'Mesh' && keep.has(r.address.mesh));
}

async function confirmDeletes(app: App, plan: Plan, yes: boolean | undefined): Promise<void> {
  const deletes = planCounts(plan).delete;
  if (deletes === 0 || yes) return;
  const stdin = app.io.stdin as (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
  const what = `${deletes} resource${deletes === 1 ? '' : 's'}`;
  if (!stdin?.isTTY || !app.io.stderrIsTTY) {
    throw new ParamError(`apply would delete ${what}; re-run with --yes to confirm (or with --dry-run to review the plan).`);
  }
  const answer = await askLine(app.io, `Delete ${what}? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new ParamError('Nothing was applied: deletion not confirmed.');
}

export async function runApply(app: App, flags: ApplyFlags): Promise<void> {
  const format = findingsFormat(app);
  const paint = painter(app.colorEnabled());
  if (flags.filename.length === 0 && !flags.mesh) {
    throw new ParamError('apply needs -f/--filename PATH (manifest files or directories), or --mesh NAME with --prune.');
  }
  const set = loadManifestSet(flags.filename, app.io.cwd, { mesh: flags.mesh, cfn: templateContext(app, flags) });
  checkFindings(app, set.findings, paint);

  const meshes = [...new Set([...set.resources.map((r) => r.address.mesh), ...(flags.mesh ? [flags.mesh] : [])])];
  const api = await app.dispatcher();
  const live = await readMeshes(api, meshes);
  const declaredTags = new Set(set.resources.filter((r) => r.tags !== undefined).map((r) => addressKey(r.address)));
  await attachTags(api, live, (r) => declaredTags.has(addressKey(r.address)));

  checkFindings(app, analyze(set.resources, remainingLive(live, set.resources, !!flags.prune), { liveChecked: true }), paint);

  const plan = computePlan(set.resources, live, { prune: !!flags.prune, meshes });
  if (flags.dryRun) {
    if (format === 'json') app.io.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
    else app.io.stdout.write(renderPlan(plan, paint));
    return;
  }
  if (plan.changes.length === 0) {
    if (format === 'json') app.io.stdout.write('[]\n');
    else app.io.stdout.write('No changes.\n');
    return;
  }
  await confirmDeletes(app, plan, flags.yes);
  const json = format === 'json';
  // Result lines go to stdout, or to stderr when stdout carries JSON; the spinner only on a terminal outside CI.
  const result = await executePlan(plan, api, startProgress(app.io, { out: json ? app.io.stderr : app.io.stdout }), paint);
  if (result.failure) {
    app.io.stderr.write(failureReport(result, paint));
    throw result.failure.error;
  }
  if (json) app.io.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
  else app.io.stdout.write(`Apply complete: ${summary(result.applied)}.\n`);
}
