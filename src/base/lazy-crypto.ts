// node:crypto costs a few milliseconds to load; a describe call never needs it, so modules on the
// CLI's hot path reach it through this function instead of a top-level import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const nodeCrypto = (): typeof import('crypto') => require('crypto');
