// Cloud Map's errors: json-1.1 `__type` codes, all HTTP 400, some with extra members.

import { ServiceError } from '../../../base/errors';
import { errorInfo } from '../../../model/services';

export type CloudMapErrorCode =
  | 'InvalidInput'
  | 'NamespaceAlreadyExists'
  | 'NamespaceNotFound'
  | 'ServiceAlreadyExists'
  | 'ServiceNotFound'
  | 'InstanceNotFound'
  | 'OperationNotFound'
  | 'ResourceInUse'
  | 'DuplicateRequest'
  | 'CustomHealthNotFound'
  | 'ResourceLimitExceeded'
  | 'ResourceNotFoundException'
  | 'TooManyTagsException'
  | 'ServiceAttributesLimitExceededException';

export function cloudMapError(code: CloudMapErrorCode, message: string, fields?: Record<string, unknown>): ServiceError {
  return new ServiceError(code, message, { ...errorInfo('servicediscovery', code), fields });
}

export const invalidInput = (message: string): ServiceError => cloudMapError('InvalidInput', message);
