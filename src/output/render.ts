// Result → text on stdout: normalise to the model's shape, apply --query, then format.

import type { ServiceName } from '../model/services';
import type { OperationDefinition } from '../model/types';
import { normalizeOutput } from './normalize';
import { applyQuery } from './query';
import type { PagedListing } from './text';

export type { PagedListing };

export type OutputFormatName = 'json' | 'text' | 'table' | 'yaml' | 'yaml-stream';

export interface RenderOptions {
  format: OutputFormatName;
  query?: string;
  service?: ServiceName;
  operation?: OperationDefinition;
  color: boolean;
  /** Pages for yaml-stream (one YAML document per page); defaults to the value itself. */
  pages?: unknown[];
  /** Set when the value is a paginated listing (the pages above, merged): text prints it page by page. */
  paged?: PagedListing;
  /** Terminal width for tables (80 when not a terminal, as the AWS CLI assumes). */
  terminalWidth?: number;
}

export function renderResult(value: unknown, opts: RenderOptions): string {
  const shape = opts.operation?.output;
  const prepare = (v: unknown) => applyQuery(normalizeOutput(v, opts.service, shape), opts.query);
  if (opts.format === 'yaml-stream') {
    const pages = (opts.pages ?? [value]).map(prepare);
    return formatYaml(pages);
  }
  if (opts.format === 'text' && opts.paged && opts.query === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formatPagedText } = require('./text') as typeof import('./text');
    return formatPagedText((opts.pages ?? [value]).map((p) => normalizeOutput(p, opts.service, shape)), opts.paged);
  }
  const data = prepare(value);
  // An empty result prints nothing at all, like the AWS CLI (e.g. tag-resource).
  if (opts.query === undefined && isEmptyObject(data)) return '';
  switch (opts.format) {
    case 'json':
      return `${JSON.stringify(data === undefined ? null : data, null, 4)}\n`;
    case 'yaml':
      return formatYaml(data);
    case 'text': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { formatText } = require('./text') as typeof import('./text');
      return data === null || data === undefined ? (opts.query !== undefined ? 'None\n' : '') : formatText(data);
    }
    case 'table': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { formatTable } = require('./table') as typeof import('./table');
      return formatTable(data, {
        title: opts.operation?.name ?? '',
        terminalWidth: opts.terminalWidth ?? 80,
        color: opts.color,
      });
    }
  }
}

function isEmptyObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

function formatYaml(data: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  // YAML 1.1 quoting rules, like the AWS CLI's ruamel output: numeric-looking and timestamp-like
  // strings stay quoted so they read back as strings. ruamel's safe dumper sorts mapping keys.
  return YAML.stringify(data === undefined ? null : data, { version: '1.1', indentSeq: false, lineWidth: 0, singleQuote: true, sortMapEntries: true });
}
