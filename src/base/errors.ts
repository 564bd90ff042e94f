// One error hierarchy for the whole CLI; the top-level handler maps each class to the AWS CLI v2
// exit code and message format (awscli/constants.py: 252 params, 253 config, 254 service, 255 other).

export const ExitCode = {
  OK: 0,
  /** Findings of error severity (awsmesh validate). */
  FINDINGS: 1,
  INTERRUPTED: 130,
  PARAM: 252,
  CONFIG: 253,
  SERVICE: 254,
  GENERAL: 255,
} as const;

export abstract class CliError extends Error {
  abstract readonly exitCode: number;
}

/** Bad command line: printed after the usage block, like argparse errors in the AWS CLI. */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.PARAM;
}

/** Parameter parsing or validation failed; nothing was sent. */
export class ParamError extends CliError {
  readonly exitCode = ExitCode.PARAM;
}

/** The input failed its operation's schema (the dispatcher's check); `local serve` answers with the protocol's validation error. */
export class InputValidationError extends ParamError {}

/** A check (validate, envoy validate) found error-severity problems: exit 1. */
export class FindingsError extends CliError {
  readonly exitCode = ExitCode.FINDINGS;
}

/** Missing region/credentials or other environment problems. */
export class ConfigError extends CliError {
  readonly exitCode = ExitCode.CONFIG;
}

/**
 * Nothing there to work on (no mesh to report on, …): exit 254 like the service's NotFoundException,
 * the AWS CLI's code for "the request was made and the answer was no".
 */
export class NothingThereError extends CliError {
  readonly exitCode = ExitCode.SERVICE;
}

/** Anything else that is the tool's or the environment's fault (connection refused, bad profile…). */
export class GeneralError extends CliError {
  readonly exitCode = ExitCode.GENERAL;
}

export interface ServiceErrorOptions {
  /** HTTP status the service answers with (from the model's error shape). */
  status?: number;
  /** true when the caller is at fault (4xx), false for server faults. */
  senderFault?: boolean;
  /** Set by the dispatcher: which operation failed. */
  operation?: string;
  service?: string;
  requestId?: string;
  /** Extra members of the error shape, serialised by the wire codecs. */
  fields?: Record<string, unknown>;
  /** Text appended after the AWS-style message (hints such as the App Mesh shutdown notice). */
  hint?: string;
  /** Retries made before giving up on a retryable error; the AWS CLI reports them in the message. */
  maxRetriesReached?: number;
}

/** An error the service returned (or the local backend raised with the service's semantics). */
export class ServiceError extends Error {
  readonly exitCode = ExitCode.SERVICE;
  readonly code: string;
  status: number;
  senderFault: boolean;
  operation?: string;
  service?: string;
  requestId?: string;
  fields?: Record<string, unknown>;
  hint?: string;
  maxRetriesReached?: number;

  constructor(code: string, message: string, opts: ServiceErrorOptions = {}) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = opts.status ?? 400;
    this.senderFault = opts.senderFault ?? this.status < 500;
    this.operation = opts.operation;
    this.service = opts.service;
    this.requestId = opts.requestId;
    this.fields = opts.fields;
    this.hint = opts.hint;
    this.maxRetriesReached = opts.maxRetriesReached;
  }

  /** The AWS CLI's wording: `An error occurred (Code) when calling the Op operation: message`. */
  describe(): string {
    const retries = this.maxRetriesReached === undefined ? '' : ` (reached max retries: ${this.maxRetriesReached})`;
    const text = `An error occurred (${this.code}) when calling the ${this.operation ?? 'unknown'} operation${retries}: ${this.message}`;
    return this.hint ? `${text}\n${this.hint}` : text;
  }
}

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof ServiceError;
}

/**
 * An operation the model table or the backend does not have: a service error (exit 254), answered
 * on the wire as 501 like LocalStack's "not yet implemented", never a plain Error (which would be a 500 bug).
 */
export class NotImplementedError extends ServiceError {
  constructor(service: string, operation: string, by = 'awsmesh') {
    super('NotImplementedException', `The ${service} operation ${operation} is not implemented by ${by}.`, {
      status: 501, senderFault: false, service, operation,
    });
  }
}
