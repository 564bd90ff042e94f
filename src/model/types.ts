// Types of the generated service definitions (src/generated/*.json). The shapes keep the service
// model's own structure (botocore's service-2.json format) minus documentation.

export type ShapeType =
  | 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double'
  | 'boolean' | 'timestamp' | 'blob';

export interface MemberRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  flattened?: boolean;
  xmlAttribute?: boolean;
  xmlNamespace?: unknown;
  jsonvalue?: boolean;
  queryName?: string;
  box?: boolean;
}

/** Rules the service enforces beyond its model (see SERVICE_RULES in scripts/gen.js). */
export interface ServiceRules {
  exactlyOne?: string[];
  atMostOne?: string[];
  requires?: Record<string, string>;
}

export interface Shape {
  type: ShapeType;
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  required?: string[];
  union?: boolean;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  payload?: string;
  timestampFormat?: string;
  flattened?: boolean;
  sensitive?: boolean;
  exception?: boolean;
  fault?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  locationName?: string;
  awsmesh?: ServiceRules;
}

export interface OperationParam {
  /** Member name in the model (and in --cli-input-json). */
  member: string;
  /** CLI flag without the leading dashes. */
  flag: string;
  type: ShapeType;
  itemType?: ShapeType;
  required?: boolean;
  /** Accepted but not listed in help (raw paging parameters). */
  hidden?: boolean;
  idempotencyToken?: boolean;
  description?: string;
}

export interface Paginator {
  inputToken: string;
  outputToken: string;
  limitKey: string;
  /** One key, or several for operations that page through several lists at once. */
  resultKey: string | string[];
  moreResults?: string;
}

export interface OperationDefinition {
  name: string;
  cli: string;
  summary: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: string;
  output?: string;
  errors: string[];
  params: OperationParam[];
  resultWrapper?: string;
  idempotent?: boolean;
  idempotencyToken?: string;
  hostPrefix?: string;
  paginator?: Paginator;
}

export interface ServiceDefinition {
  name: string;
  /** Operations of the vendored model outside the table (answered 501 NotImplemented by `local serve`). */
  unimplemented?: string[];
  metadata: {
    apiVersion: string;
    endpointPrefix: string;
    protocol: string;
    serviceId: string;
    signingName?: string;
    targetPrefix?: string;
    jsonVersion?: string;
    xmlNamespace?: string;
    globalEndpoint?: string;
    serviceFullName?: string;
  };
  operations: Record<string, OperationDefinition>;
  shapes: Record<string, Shape>;
}

/** src/generated/<service>/<cli>.json: one operation and the shapes its input, output and errors reach. */
export interface OperationSlice {
  service: string;
  operation: OperationDefinition;
  shapes: Record<string, Shape>;
}
