// Names the targets accept, made from App Mesh names: file names for --dir, DNS-1123 labels for
// Kubernetes objects, CloudFormation logical ids. Deterministic, so the same mesh always gives the
// same names; a registry keeps names unique where two App Mesh names collapse to one.

/** A name as a file name: characters outside [A-Za-z0-9._-] become '_'. */
export function fileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '.' || s === '..' ? `_${s}` : s;
}

/** A DNS-1123 label (Kubernetes object and Service names): lower case, [a-z0-9-], at most 63. */
export function dnsLabel(name: string, max = 63): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-');
  const cut = s.slice(0, max).replace(/-+$/, '');
  return cut || 'x';
}

/** A DNS-1035 label (must start with a letter): Kubernetes Service names. */
export function serviceLabel(name: string): string {
  const s = dnsLabel(name);
  return /^[a-z]/.test(s) ? s : dnsLabel(`s-${s}`);
}

/** `ServiceB` from `serviceB`, `color-teller` → `ColorTeller` (CloudFormation logical ids). */
export function logicalId(name: string): string {
  const id = name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
  return /^[A-Za-z]/.test(id) ? id : `R${id}`;
}

/** Hands out names unique within a scope: the second `serviceb` becomes `serviceb-2`. */
export class NameRegistry {
  private readonly taken = new Map<string, string>();

  /** The name for `owner` in `scope` (the same owner always gets the same name). */
  claim(scope: string, wanted: string, owner: string, max = 63): string {
    const key = (n: string) => `${scope}\u0000${n}`;
    for (let i = 1; ; i++) {
      const suffix = i === 1 ? '' : `-${i}`;
      const name = `${wanted.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`;
      const holder = this.taken.get(key(name));
      if (holder === undefined) {
        this.taken.set(key(name), owner);
        return name;
      }
      if (holder === owner) return name;
    }
  }
}
