// What counts as this machine: servers warn when bound elsewhere, proxies and exporters only talk
// to loopback without being told otherwise.

/** True for localhost, ::1 (bracketed or not) and 127.0.0.0/8. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
