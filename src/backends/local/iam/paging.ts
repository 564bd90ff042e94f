// Opaque continuation tokens shared by the IAM (Marker/MaxItems) and Cloud Map (NextToken/
// MaxResults) providers. A token remembers the sort key of the last item returned, so a page
// stays correct when items are added or deleted between calls.

export interface Page<T> {
  items: T[];
  /** Token for the next page; undefined on the last page. */
  next?: string;
}

const PREFIX = 'awsmesh1.';

export function encodeToken(key: string): string {
  return PREFIX + Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

/** The key a token resumes after, or undefined when the token was not issued by us. */
export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')) as unknown;
    const k = (parsed as { k?: unknown } | null)?.k;
    return typeof k === 'string' ? k : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of `items` (already sorted by `keyOf`, keys unique and ascending in code-unit order).
 * `invalidToken` builds the service's error for a token we cannot read.
 */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  token: string | undefined,
  limit: number,
  invalidToken: () => Error,
): Page<T> {
  let start = 0;
  if (token !== undefined) {
    const after = decodeToken(token);
    if (after === undefined) throw invalidToken();
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, next: more && page.length > 0 ? encodeToken(keyOf(page[page.length - 1])) : undefined };
}

/** Sorts by key in code-unit order (the order pageOf resumes in). */
export function sortByKey<T>(items: T[], keyOf: (item: T) => string): T[] {
  return items.sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
