// App Mesh's error shapes with the HTTP status the model gives each, and the service's wording
// (see shared/reference/appmesh-api.md §1.2 for the real messages these follow).

import { ServiceError } from '../../../base/errors';
import { errorInfo } from '../../../model/services';

export type AppMeshErrorCode =
  | 'BadRequestException'
  | 'ConflictException'
  | 'LimitExceededException'
  | 'NotFoundException'
  | 'ResourceInUseException'
  | 'TooManyTagsException';

export function appMeshError(code: AppMeshErrorCode, message: string, hint?: string): ServiceError {
  return new ServiceError(code, message, { ...errorInfo('appmesh', code), hint });
}

export const badRequest = (message: string): ServiceError => appMeshError('BadRequestException', message);

/** The model's own text for a client token reused with a different request. */
export const tokenConflict = (): ServiceError =>
  appMeshError(
    'ConflictException',
    'The request contains a client token that was used for a previous update resource call with different specifications. ' +
      'Try the request again with a new client token.',
  );
