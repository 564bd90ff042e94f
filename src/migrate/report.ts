// The fidelity report: what became of every App Mesh setting of every resource on one target —
// mapped (to what), approximated (how, and what differs), lost (why) or manual (the step to do by
// hand) — plus the route equivalence differences. After conversion, every leaf of every spec must
// be covered by an entry; a leaf nobody classified is reported as MG0001 instead of disappearing.

import type { MigrateCode } from './codes';
import type { SourceResource } from './source';

export const FIDELITIES = ['mapped', 'approximated', 'lost', 'manual'] as const;
export type Fidelity = (typeof FIDELITIES)[number];

export interface ReportEntry {
  code: MigrateCode;
  fidelity: Fidelity;
  /** `VirtualNode apps/serviceB`. */
  resource: string;
  /** Path of the setting inside the resource (`spec.listeners[0].healthCheck`); '' for the whole resource. */
  setting: string;
  message: string;
  /** What it became in the output (`HTTPRoute default/serviceb rules[0]`). */
  target?: string;
  file?: string;
  line?: number;
}

/** One sample request the target routes differently from App Mesh. */
export interface Difference {
  code: 'MG0901' | 'MG0902';
  resource: string;
  request: string;
  appMesh: string;
  target: string;
  message: string;
  file?: string;
  line?: number;
}

export interface ReportCounts {
  mapped: number;
  approximated: number;
  lost: number;
  manual: number;
  differences: number;
}

const ORDER: Record<Fidelity, number> = { lost: 0, manual: 1, approximated: 2, mapped: 3 };

/** Every leaf path of a value, below `base` (`spec.listeners[0].portMapping.port`, …). */
export function leafPaths(value: unknown, base: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, `${base}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, base ? `${base}.${k}` : k));
  }
  return value === undefined ? [] : [base];
}

function covers(setting: string, leaf: string): boolean {
  return setting === '' || leaf === setting || leaf.startsWith(`${setting}.`) || leaf.startsWith(`${setting}[`);
}

export class FidelityReport {
  readonly entries: ReportEntry[] = [];
  readonly differences: Difference[] = [];

  constructor(
    readonly target: string,
    private readonly resources: Map<string, SourceResource>,
  ) {}

  private locate(resource: string, setting: string): { file?: string; line?: number; path: string } {
    const r = this.resources.get(resource);
    const origin = r?.origin;
    return {
      file: origin?.file,
      line: origin?.line?.(setting),
      path: origin?.sourcePath && setting ? origin.sourcePath(setting) : setting,
    };
  }

  add(fidelity: Fidelity, code: MigrateCode, resource: string, setting: string, message: string, target?: string): void {
    const at = this.locate(resource, setting);
    this.entries.push({ code, fidelity, resource, setting, message, target, file: at.file, line: at.line });
  }

  mapped(code: MigrateCode, resource: string, setting: string, message: string, target?: string): void {
    this.add('mapped', code, resource, setting, message, target);
  }

  approximated(code: MigrateCode, resource: string, setting: string, message: string, target?: string): void {
    this.add('approximated', code, resource, setting, message, target);
  }

  lost(code: MigrateCode, resource: string, setting: string, message: string, target?: string): void {
    this.add('lost', code, resource, setting, message, target);
  }

  manual(code: MigrateCode, resource: string, setting: string, message: string, target?: string): void {
    this.add('manual', code, resource, setting, message, target);
  }

  difference(d: Omit<Difference, 'file' | 'line'>, setting = ''): void {
    const at = this.locate(d.resource, setting);
    this.differences.push({ ...d, file: at.file, line: at.line });
  }

  /** Classifies every leaf no entry covers as MG0001, then sorts (worst first, then by resource). */
  finish(): void {
    for (const r of this.resources.values()) {
      const own = this.entries.filter((e) => e.resource === r.id);
      for (const leaf of leafPaths(r.spec, 'spec')) {
        if (own.some((e) => covers(e.setting, leaf))) continue;
        this.lost('MG0001', r.id, leaf, `awsmesh does not know how to carry this setting over to ${this.target}; it is not in the output`);
      }
    }
    this.entries.sort((a, b) => ORDER[a.fidelity] - ORDER[b.fidelity] || a.resource.localeCompare(b.resource)
      || a.setting.localeCompare(b.setting) || a.code.localeCompare(b.code));
  }

  counts(): ReportCounts {
    const c: ReportCounts = { mapped: 0, approximated: 0, lost: 0, manual: 0, differences: this.differences.length };
    for (const e of this.entries) c[e.fidelity]++;
    return c;
  }
}

export function countsLine(target: string, c: ReportCounts): string {
  const diff = `${c.differences} routing difference${c.differences === 1 ? '' : 's'}`;
  return `${target}: ${c.mapped} mapped, ${c.approximated} approximated, ${c.lost} lost, ${c.manual} manual; ${diff}`;
}
