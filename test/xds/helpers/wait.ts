export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean | undefined, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}
