/**
 * One table of errors with stable codes (the shape of fastify's lib/errors.js).
 *
 * Every error ocrdet raises on purpose is an `OcrdetError` with a `code` from `ERROR_CODES`, a one-line
 * message that says what, where and why, optional machine-readable `details`, and the original `cause`.
 * Errors that cross a process, worker or HTTP boundary travel as `{ code, message, details }`
 * (`toErrorPayload`) and come back as the same class (`fromErrorPayload`).
 * The README's "Errors" table is checked against this table by a test.
 */

export const ERROR_CODES = {
  OCRDET_USAGE: { exitCode: 2, description: 'A command-line flag, argument or API option is missing or invalid.' },
  OCRDET_CONFIG: { exitCode: 2, description: 'A configuration file, recipe, model directory or environment setting is invalid.' },
  OCRDET_NOT_FOUND: { exitCode: 2, description: 'A file or directory that was named does not exist (nothing was done).' },
  OCRDET_BAD_IMAGE: { exitCode: 1, description: 'An image is empty, truncated, unsupported, or larger than the pixel limit.' },
  OCRDET_BAD_ANNOTATION: { exitCode: 1, description: 'An annotation file or record cannot be read or makes no sense.' },
  OCRDET_BAD_RESULTS: { exitCode: 1, description: 'A results (Detection JSONL) file or line cannot be read.' },
  OCRDET_MODEL: { exitCode: 2, description: 'A model file is missing, or the runtime cannot load or run it.' },
  OCRDET_SERVER: { exitCode: 1, description: 'A model server could not be reached, failed, or answered something unusable.' },
  OCRDET_ENGINE: { exitCode: 1, description: 'An external engine (ms-swift, vLLM, LMDeploy) failed or is not installed.' },
  OCRDET_INTERRUPTED: { exitCode: 130, description: 'The work was stopped by a signal (Ctrl-C); finished results are kept.' },
  OCRDET_INTERNAL: { exitCode: 1, description: 'A bug in ocrdet: please report it with the command and --debug output.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface OcrdetErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class OcrdetError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: OcrdetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.details) this.details = options.details;
  }

  /** The exit code a command ends with when this error stops it. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  /** `CODE: message`, the one line the CLI prints. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export class UsageError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_USAGE', message, options);
  }
}
export class ConfigError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_CONFIG', message, options);
  }
}
export class NotFoundError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_NOT_FOUND', message, options);
  }
}
export class BadImageError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_BAD_IMAGE', message, options);
  }
}
export class BadAnnotationError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_BAD_ANNOTATION', message, options);
  }
}
export class BadResultsError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_BAD_RESULTS', message, options);
  }
}
export class ModelError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_MODEL', message, options);
  }
}
export class ServerError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_SERVER', message, options);
  }
}
export class EngineError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_ENGINE', message, options);
  }
}
export class InterruptedError extends OcrdetError {
  constructor(message: string, options?: OcrdetErrorOptions) {
    super('OCRDET_INTERRUPTED', message, options);
  }
}

const CLASS_BY_CODE: Record<ErrorCode, new (message: string, options?: OcrdetErrorOptions) => OcrdetError> = {
  OCRDET_USAGE: UsageError,
  OCRDET_CONFIG: ConfigError,
  OCRDET_NOT_FOUND: NotFoundError,
  OCRDET_BAD_IMAGE: BadImageError,
  OCRDET_BAD_ANNOTATION: BadAnnotationError,
  OCRDET_BAD_RESULTS: BadResultsError,
  OCRDET_MODEL: ModelError,
  OCRDET_SERVER: ServerError,
  OCRDET_ENGINE: EngineError,
  OCRDET_INTERRUPTED: InterruptedError,
  OCRDET_INTERNAL: class InternalError extends OcrdetError {
    constructor(message: string, options?: OcrdetErrorOptions) {
      super('OCRDET_INTERNAL', message, options);
    }
  },
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Wraps anything thrown into an OcrdetError; unknown errors become OCRDET_INTERNAL with the cause kept. */
export function toOcrdetError(error: unknown): OcrdetError {
  if (error instanceof OcrdetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CLASS_BY_CODE.OCRDET_INTERNAL(message.split('\n')[0] ?? 'unknown error', { cause: error });
}

/** Serialises an error for a process, worker or HTTP boundary. */
export function toErrorPayload(error: unknown): ErrorPayload {
  const e = toOcrdetError(error);
  return e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message };
}

/** Rebuilds the same error class on the other side of a boundary. Unknown codes become OCRDET_INTERNAL. */
export function fromErrorPayload(payload: { code?: unknown; message?: unknown; details?: unknown }): OcrdetError {
  const code: ErrorCode = isErrorCode(payload.code) ? payload.code : 'OCRDET_INTERNAL';
  const message = typeof payload.message === 'string' ? payload.message : 'unknown error';
  const details =
    payload.details && typeof payload.details === 'object' ? (payload.details as Record<string, unknown>) : undefined;
  return new CLASS_BY_CODE[code](message, details ? { details } : {});
}

/** The one line shown to users: `CODE: message`. */
export function describeError(error: unknown): string {
  return toOcrdetError(error).toString();
}
