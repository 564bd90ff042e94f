// Envoy regexes are RE2. The subset App Mesh users write (and the translator emits) is also valid
// JavaScript once RE2's leading `(?i)` flag group becomes the `i` flag. Constructs JavaScript
// lacks (\C, \z, possessive forms…) fail to compile and the config is rejected, like a NACK.

export class RegexError extends Error {}

function split(re: string): { body: string; flags: string } {
  return re.startsWith('(?i)') ? { body: re.slice(4), flags: 'i' } : { body: re, flags: '' };
}

/** Full-match semantics (Envoy's safe_regex on paths and headers must match the whole value). */
export function compileFullMatch(re: string): RegExp {
  const { body, flags } = split(re);
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (e) {
    throw new RegexError(`invalid regex '${re}': ${(e as Error).message}`);
  }
}

/** regex_rewrite: every match is replaced; RE2's `\1` group references become `$1`. */
export function compileRewrite(pattern: string, substitution: string): (path: string) => string {
  const { body, flags } = split(pattern);
  let re: RegExp;
  try {
    re = new RegExp(body, `g${flags}`);
  } catch (e) {
    throw new RegexError(`invalid regex '${pattern}': ${(e as Error).message}`);
  }
  const sub = substitution.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
  return (path) => path.replace(re, sub);
}
