// The Filters of ListNamespaces, ListServices and ListOperations: each names a field, a condition
// (EQ by default) and values; every filter must hold.

import { invalidInput } from './errors';

export interface Filter {
  Name: string;
  Values: string[];
  Condition?: string;
}

type Condition = 'EQ' | 'IN' | 'BETWEEN' | 'BEGINS_WITH';

export interface FilterField<T> {
  conditions: Condition[];
  value(item: T): string | number | undefined;
  /** Values compared as numbers (timestamps), e.g. UPDATE_DATE. */
  numeric?: boolean;
}

/** Checks every filter against its field's rules and returns one predicate for all of them. */
export function compileFilters<T>(filters: unknown, fields: Record<string, FilterField<T>>): (item: T) => boolean {
  const list = Array.isArray(filters) ? (filters as Filter[]) : [];
  const tests = list.map((f) => {
    const field = fields[f.Name];
    if (!field) throw invalidInput(`Filter name ${f.Name} is not supported here; use ${Object.keys(fields).join(', ')}.`);
    const condition = (f.Condition ?? 'EQ') as Condition;
    if (!field.conditions.includes(condition)) {
      throw invalidInput(`Condition ${condition} is not supported for filter ${f.Name}; use ${field.conditions.join(' or ')}.`);
    }
    const values = f.Values ?? [];
    const expected = condition === 'BETWEEN' ? 2 : condition === 'IN' ? undefined : 1;
    if (values.length === 0 || (expected !== undefined && values.length !== expected)) {
      throw invalidInput(`Filter ${f.Name} with condition ${condition} needs ${expected ?? 'at least one'} value${expected === 1 ? '' : 's'}.`);
    }
    if (field.numeric) {
      const bounds = values.map(Number);
      if (bounds.some((b) => !Number.isFinite(b))) throw invalidInput(`Filter ${f.Name} values must be timestamps in epoch seconds.`);
      return (item: T) => {
        const v = Number(field.value(item));
        return condition === 'BETWEEN' ? v >= bounds[0] && v <= bounds[1] : bounds.includes(v);
      };
    }
    return (item: T) => {
      const v = String(field.value(item) ?? '');
      if (condition === 'BEGINS_WITH') return v.startsWith(values[0]);
      return values.includes(v);
    };
  });
  return (item: T) => tests.every((t) => t(item));
}
