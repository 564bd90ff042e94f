/** How the AWS CLI (Python) prints a scalar in text and table output. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

export function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}
