// AWS App Mesh was discontinued on 2026-09-30. When a call to AWS's own App Mesh endpoint fails
// in a way that suggests the service is gone, say so plainly and point at what still works.

import { GeneralError, ServiceError } from '../../base/errors';

export const APP_MESH_SHUTDOWN_HINT =
  'Note: AWS App Mesh was discontinued on 2026-09-30; AWS no longer serves App Mesh requests. ' +
  'Run the same command on awsmesh\'s local control plane with `--backend local` (the default backend), ' +
  'or send it to another endpoint, such as an `awsmesh local serve`, with `--endpoint-url http://127.0.0.1:4566`.';

/** Error codes AWS answers with when an API or an account's access to it no longer exists. */
const GONE_CODES = /^(UnknownOperation|UnrecognizedClient|InvalidAction|OptInRequired|SubscriptionRequired|AccessDenied|Forbidden|NotAuthorized|EndpointNotFound|ServiceUnavailable|ServiceDiscontinued|Deprecated|InternalFailure)/;
const GONE_MESSAGE = /discontinu|no longer|end of (life|support)|deprecated|retired|shut ?down|not (available|supported)/i;

/** Whether a failure from AWS's App Mesh endpoint looks like the shutdown rather than a normal API error. */
export function looksLikeShutdown(err: ServiceError | GeneralError | Error): boolean {
  if (err instanceof GeneralError) return /endpoint URL|SSL validation failed/.test(err.message);
  if (!(err instanceof ServiceError)) return false;
  if (err.status >= 500 || GONE_CODES.test(err.code) || GONE_MESSAGE.test(err.message)) return true;
  // A 404 that is not App Mesh's own NotFoundException means the API itself was not found.
  return err.status === 404 && err.code !== 'NotFoundException';
}

/** Adds the shutdown hint to an error (ServiceError.hint, or a second line of a GeneralError). */
export function withShutdownHint<E extends Error>(err: E): E | GeneralError {
  if (err instanceof ServiceError) {
    err.hint = err.hint ? `${err.hint}\n${APP_MESH_SHUTDOWN_HINT}` : APP_MESH_SHUTDOWN_HINT;
    return err;
  }
  if (err instanceof GeneralError) return new GeneralError(`${err.message}\n${APP_MESH_SHUTDOWN_HINT}`);
  return err;
}
