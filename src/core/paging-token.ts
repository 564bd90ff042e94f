// The NextToken the AWS CLI prints after `--max-items` and takes back with `--starting-token`:
// base64 of botocore's token dict (`{"nextToken": "...", "boto_truncate_amount": 1}`) dumped by
// Python's json.dumps — `, ` and `: ` separators, non-ASCII as \uXXXX — so the very same string
// works in either tool, and scripts that compare tokens see the AWS CLI's bytes.

import type { Paginator } from '../model/types';

export interface ResumeToken {
  /** The service's own token for the page to resume on (none: the first page). */
  token?: string;
  /** Items of that page already printed (botocore's boto_truncate_amount). */
  truncate: number;
}

/** Python's json.dumps(obj) (default settings) of a flat object of strings, numbers and nulls. */
export function pythonJsonDumps(obj: Record<string, string | number | null>): string {
  const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `{${Object.entries(obj).map(([k, v]) => `${ascii(JSON.stringify(k))}: ${ascii(JSON.stringify(v))}`).join(', ')}}`;
}

export function encodeResumeToken(pag: Paginator, r: ResumeToken): string {
  const doc: Record<string, string | number | null> = { [pag.inputToken]: r.token ?? null };
  if (r.truncate) doc.boto_truncate_amount = r.truncate;
  return Buffer.from(pythonJsonDumps(doc), 'utf8').toString('base64');
}

/** --starting-token: the base64 JSON the AWS CLI prints as NextToken, or a raw service token. */
export function decodeStartingToken(raw: string | undefined, pag: Paginator): ResumeToken {
  if (raw === undefined) return { truncate: 0 };
  try {
    const doc = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    if (doc && typeof doc === 'object' && pag.inputToken in doc) {
      return { token: doc[pag.inputToken] ?? undefined, truncate: Number(doc.boto_truncate_amount ?? 0) };
    }
  } catch {
    /* not one of ours: a raw token */
  }
  return { token: raw, truncate: 0 };
}
