// Keys from input are data, never object machinery. `out[key] = v` with key '__proto__' changes
// out's prototype (the key silently disappears), and `table[key]` with key 'constructor' finds
// Object's constructor instead of undefined; parsers and decoders use these helpers instead.

/** Keys that name JavaScript object machinery; validation refuses them in any input. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `obj[key] = value` as an own, enumerable property — also for '__proto__'. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `table[key]` for own keys only (undefined for 'constructor', 'toString'…). */
export function ownValue<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table && Object.hasOwn(table, key) ? table[key] : undefined;
}
