import type { ServiceName } from '../model/services';
import type { OperationDefinition } from '../model/types';

export interface RenderOptions {
  format: 'json' | 'text' | 'table' | 'yaml' | 'yaml-stream';
  query?: string;
  service?: ServiceName;
  operation?: OperationDefinition;
  color: boolean;
}

/** Placeholder until the formatters land: JSON with 4-space indent. */
export function renderResult(value: unknown, _opts: RenderOptions): string {
  return JSON.stringify(value, null, 4) + '\n';
}
