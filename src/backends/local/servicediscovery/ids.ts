// Identifier formats Cloud Map uses.

import { LOWER_ALNUM, randomChars, UPPER_ALNUM } from '../iam/random';

export const newNamespaceId = (): string => `ns-${randomChars(LOWER_ALNUM, 16)}`;
export const newServiceId = (): string => `srv-${randomChars(LOWER_ALNUM, 16)}`;
/** e.g. gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd */
export const newOperationId = (): string => `${randomChars(LOWER_ALNUM, 32)}-${randomChars(LOWER_ALNUM, 8)}`;
/** Route 53 hosted zone of a DNS namespace (none is created locally; the id is for display). */
export const newHostedZoneId = (): string => `Z${randomChars(UPPER_ALNUM, 20)}`;
