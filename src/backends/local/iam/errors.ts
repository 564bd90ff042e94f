// IAM's error codes (the wire `Code`, not the model's shape names) with the status the model gives them.

import { ServiceError } from '../../../base/errors';
import { errorInfo } from '../../../model/services';

export type IamErrorCode =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'DeleteConflict'
  | 'MalformedPolicyDocument'
  | 'LimitExceeded'
  | 'InvalidInput'
  | 'UnmodifiableEntity'
  | 'PolicyNotAttachable';

export function iamError(code: IamErrorCode, message: string): ServiceError {
  return new ServiceError(code, message, errorInfo('iam', code));
}

export const noSuchRole = (name: string): ServiceError =>
  iamError('NoSuchEntity', `The role with name ${name} cannot be found.`);

export const quotaExceeded = (quota: string, limit: number): ServiceError =>
  iamError('LimitExceeded', `Cannot exceed quota for ${quota}: ${limit}.`);
