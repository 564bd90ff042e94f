// Failures as the console's API reports them: an HTTP status and a JSON body with a code and a
// message the page shows as it is (service errors in the AWS CLI's own wording).

import { CliError, isServiceError } from '../base/errors';
import type { ProblemBody } from './api-types';

/** A request the console refuses, with the status and code the page sees. */
export class ConsoleProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly currentVersion?: number) {
    super(message);
  }
}

export function problemOf(e: unknown): { status: number; body: ProblemBody } {
  if (e instanceof ConsoleProblem) {
    return { status: e.status, body: { code: e.code, message: e.message, ...(e.currentVersion !== undefined ? { currentVersion: e.currentVersion } : {}) } };
  }
  if (isServiceError(e)) return { status: e.status >= 400 && e.status < 600 ? e.status : 400, body: { code: e.code, message: e.describe() } };
  if (e instanceof CliError) return { status: 400, body: { code: 'invalid', message: e.message } };
  // The first line only: a stack or require chain means nothing on the page.
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return { status: 500, body: { code: 'internal', message: `Internal error: ${message}` } };
}
