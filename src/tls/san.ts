// Subject alternative names: reading them from a peer certificate and matching them the way
// Envoy's match_typed_subject_alt_names does (exact, typed; a wildcard DNS SAN in the
// certificate covers one label).

export interface SanMatcher {
  type: 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';
  exact: string;
}

/** `DNS:a.local, URI:spiffe://apps/virtualNode/a` (Node's subjectaltname) → typed entries. */
export function parseSubjectAltName(text: string | undefined): Array<{ type: string; value: string }> {
  if (!text) return [];
  return text.split(/,\s*/).map((part) => {
    const i = part.indexOf(':');
    const value = part.slice(i + 1).replace(/^"(.*)"$/, '$1');
    const type = part.slice(0, i);
    return { type: type === 'IP Address' ? 'IP_ADDRESS' : type === 'email' ? 'EMAIL' : type, value };
  });
}

function dnsMatches(certName: string, wanted: string): boolean {
  const c = certName.toLowerCase();
  const w = wanted.toLowerCase();
  if (c === w) return true;
  if (!c.startsWith('*.')) return false;
  const dot = w.indexOf('.');
  return dot > 0 && w.slice(dot) === c.slice(1);
}

/** True when no matcher is given, or any certificate SAN satisfies any matcher. */
export function sansMatch(subjectAltName: string | undefined, matchers: SanMatcher[]): boolean {
  if (!matchers.length) return true;
  const sans = parseSubjectAltName(subjectAltName);
  return matchers.some((m) =>
    sans.some((s) => s.type === m.type && (m.type === 'DNS' ? dnsMatches(s.value, m.exact) : s.value === m.exact)));
}
