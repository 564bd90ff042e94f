// `awsmesh migrate` as a function: one mesh (MigrationSource) and a target in, documents and the
// fidelity report (with the route equivalence findings) out. No IO; migrate-command.ts does that.

import { checkEquivalence } from './equivalence';
import { FidelityReport } from './report';
import type { MigrationSource } from './source';
import type { GeneratedDoc, MigrateOptions, Target, TargetName } from './target';

export { TARGET_NAMES, type TargetName, type MigrateOptions, type GeneratedDoc } from './target';

/* eslint-disable @typescript-eslint/no-require-imports */
const TARGETS: Record<TargetName, () => Target> = {
  'service-connect': () => require('./targets/service-connect').serviceConnect,
  lattice: () => require('./targets/lattice').lattice,
  'gateway-api': () => require('./targets/gateway-api').gatewayApi,
  istio: () => require('./targets/istio').istio,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function targetOf(name: TargetName): Target {
  return TARGETS[name]();
}

export interface Migration {
  target: Target;
  docs: GeneratedDoc[];
  report: FidelityReport;
}

export function migrate(source: MigrationSource, name: TargetName, opts: MigrateOptions = {}): Migration {
  const target = targetOf(name);
  const report = new FidelityReport(name, source.resources);
  const { docs, routers } = target.convert(source, opts, report);
  for (const r of routers) checkEquivalence(source.snapshot, r.router, r.label, report);
  report.finish();
  docs.sort((a, b) => a.path.localeCompare(b.path));
  return { target, docs, report };
}
