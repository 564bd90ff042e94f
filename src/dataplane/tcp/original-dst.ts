// Where a connection redirected by iptables was going (SO_ORIGINAL_DST), read through the small
// native addon in native/original-dst (Node has no getsockopt). The addon is built at install and
// optional: without it this says why, and only TCP virtual services by address are off.

import * as net from 'net';
import * as path from 'path';

interface Addon {
  originalDestination(fd: number): [string, number] | undefined;
}

const ADDON = path.resolve(__dirname, '..', '..', '..', 'native', 'original-dst', 'build', 'Release', 'original_dst.node');

let addon: Addon | undefined;
let unavailable: string | undefined;

/** Loads the addon once; returns why it is unavailable, or undefined when it works. */
export function loadOriginalDst(): string | undefined {
  if (addon || unavailable) return unavailable;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(ADDON) as Addon;
  } catch (e) {
    unavailable = process.platform !== 'linux'
      ? `SO_ORIGINAL_DST exists on Linux only (this is ${process.platform})`
      : `the SO_ORIGINAL_DST addon is not built (${(e as Error).message.split('\n')[0]}); build it with \`node scripts/build-native.js\` (needs a C compiler and make)`;
  }
  return unavailable;
}

/** The destination the connection had before iptables redirected it, or undefined if it was not redirected. */
export function originalDestination(socket: net.Socket): { address: string; port: number } | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (!addon || fd === undefined || fd < 0) return undefined;
  const d = addon.originalDestination(fd);
  return d && { address: d[0], port: d[1] };
}
