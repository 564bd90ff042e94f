// SDK results reshaped to the model's output shape, as the local backend returns them.

import type { Output } from '../backend';
import { getOperation, getShape, type ServiceName } from '../../model/services';

/** Drops the SDK's response metadata; everything else already uses the model's member names. */
export function normaliseOutput(output: Record<string, unknown>): Output {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
}

/**
 * The result of a 2xx whose body could not be parsed. The AWS CLI prints the payload member
 * empty (`{"mesh": {}}`) rather than failing (reference/awscli.md §1.3).
 */
export function emptyOutput(service: ServiceName, operation: string): Output {
  const outputShape = getOperation(service, operation).output;
  const payload = outputShape ? getShape(service, outputShape).payload : undefined;
  return payload ? { [payload]: {} } : {};
}
