// The `resources` table's row, as both SQL stores (SQLite and PostgreSQL) keep it, and its reading.

import type { StoredResource } from './store';

export interface ResourceRow {
  account: string;
  region: string;
  service: string;
  kind: string;
  parent: string;
  name: string;
  arn: string;
  /** The resource's JSON document, as text. */
  data: string;
  created_at: number;
  updated_at: number;
}

export function rowToResource(row: ResourceRow): StoredResource {
  return {
    service: row.service,
    kind: row.kind,
    parent: row.parent,
    name: row.name,
    arn: row.arn,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
