/**
 * One table of errors with stable codes (the shape of fastify's lib/errors.js).
 *
 * Every error ocrdet raises on purpose is an `OcrdetError` with a `code` from `ERROR_CODES`, a one-line
 * message that says what, where and why, optional machine-readable `details`, and the original `cause`.
 * The classes (`UsageError`, `BadImageError`, …) are made from the table, one per code, named by it.
 * Errors that cross a process, worker or HTTP boundary travel as `{ code, message, details }`
 * (`toErrorPayload`) and come back as the same class (`fromErrorPayload`).
 * The README's "Errors" table is checked against this table by a test.
 */

export const ERROR_CODES = {
  OCRDET_USAGE: { name: 'UsageError', exitCode: 2, description: 'A command-line flag, argument or API option is missing or invalid.' },
  OCRDET_CONFIG: { name: 'ConfigError', exitCode: 2, description: 'A configuration file, recipe, model directory or environment setting is invalid.' },
  OCRDET_NOT_FOUND: { name: 'NotFoundError', exitCode: 2, description: 'A file or directory that was named does not exist (nothing was done).' },
  OCRDET_BAD_IMAGE: { name: 'BadImageError', exitCode: 1, description: 'An image is empty, truncated, unsupported, or larger than the pixel limit.' },
  OCRDET_BAD_ANNOTATION: { name: 'BadAnnotationError', exitCode: 1, description: 'An annotation file or record cannot be read or makes no sense.' },
  OCRDET_BAD_RESULTS: { name: 'BadResultsError', exitCode: 1, description: 'A results (Detection JSONL) file or line cannot be read.' },
  OCRDET_MODEL: { name: 'ModelError', exitCode: 2, description: 'A model file is missing, or the runtime cannot load or run it.' },
  OCRDET_SERVER: { name: 'ServerError', exitCode: 1, description: 'A model server could not be reached, failed, or answered something unusable.' },
  OCRDET_EMPTY_ANSWER: { name: 'EmptyAnswerError', exitCode: 1, description: 'A model server answered with no content (empty, or reasoning only), on every attempt.' },
  OCRDET_FILE_SYSTEM: { name: 'FileSystemError', exitCode: 1, description: 'A file could not be written or read: no space left, read-only, permission denied, or an I/O error.' },
  OCRDET_ENGINE: { name: 'EngineError', exitCode: 1, description: 'An external engine (ms-swift, vLLM, LMDeploy) failed or is not installed.' },
  OCRDET_INTERRUPTED: { name: 'InterruptedError', exitCode: 130, description: 'The work was stopped by a signal (Ctrl-C); finished results are kept.' },
  OCRDET_INTERNAL: { name: 'InternalError', exitCode: 1, description: 'A bug in ocrdet: please report it with the command and --debug output.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error as data: what crosses a process, worker or HTTP boundary, and what a failed Detection records. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface OcrdetErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** `CODE: message`, the one line the CLI prints for an error. */
export function errorLine(error: { code: string; message: string }): string {
  return `${error.code}: ${error.message}`;
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
    return errorLine(this);
  }
}

/** The error class of one code: `new UsageError(message, options)` is an OcrdetError with code OCRDET_USAGE. */
export interface OcrdetErrorClass<C extends ErrorCode = ErrorCode> {
  new (message: string, options?: OcrdetErrorOptions): OcrdetError & { readonly code: C };
  /** The code every instance carries. */
  readonly code: C;
}

/** Builds the class of one code of the table, named as the table says (the way fastify's createError does). */
function createErrorClass<C extends ErrorCode>(code: C): OcrdetErrorClass<C> {
  const created = class extends OcrdetError {
    static readonly code = code;
    constructor(message: string, options?: OcrdetErrorOptions) {
      super(code, message, options);
    }
  };
  Object.defineProperty(created, 'name', { value: ERROR_CODES[code].name });
  return created as unknown as OcrdetErrorClass<C>;
}

type ClassName = (typeof ERROR_CODES)[ErrorCode]['name'];
type CodeNamed<N extends ClassName> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['name'] extends N ? C : never }[ErrorCode];

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** Every error class, by code. */
export const ERROR_CLASSES = Object.freeze(Object.fromEntries(CODES.map((code) => [code, createErrorClass(code)]))) as {
  readonly [C in ErrorCode]: OcrdetErrorClass<C>;
};

const BY_NAME = Object.fromEntries(CODES.map((code) => [ERROR_CODES[code].name, ERROR_CLASSES[code]])) as {
  readonly [N in ClassName]: OcrdetErrorClass<CodeNamed<N>>;
};

export const {
  UsageError,
  ConfigError,
  NotFoundError,
  BadImageError,
  BadAnnotationError,
  BadResultsError,
  ModelError,
  ServerError,
  EmptyAnswerError,
  FileSystemError,
  EngineError,
  InterruptedError,
  InternalError,
} = BY_NAME;
/** The instance types, for annotations (`(): BadImageError`). */
export type UsageError = InstanceType<typeof UsageError>;
export type ConfigError = InstanceType<typeof ConfigError>;
export type NotFoundError = InstanceType<typeof NotFoundError>;
export type BadImageError = InstanceType<typeof BadImageError>;
export type BadAnnotationError = InstanceType<typeof BadAnnotationError>;
export type BadResultsError = InstanceType<typeof BadResultsError>;
export type ModelError = InstanceType<typeof ModelError>;
export type ServerError = InstanceType<typeof ServerError>;
export type EmptyAnswerError = InstanceType<typeof EmptyAnswerError>;
export type FileSystemError = InstanceType<typeof FileSystemError>;
export type EngineError = InstanceType<typeof EngineError>;
export type InterruptedError = InstanceType<typeof InterruptedError>;
export type InternalError = InstanceType<typeof InternalError>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * The file system's errors that are the disk's or the system's doing, not ocrdet's, in words (errno(3),
 * Linux and macOS). EFBIG is also what a process gets past its file-size limit (`ulimit -f`).
 */
const FILE_SYSTEM_ERRNOS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (for the file system, or past the file-size limit of this process)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error (a failing disk, or a network file system that went away)',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files in the system',
};

/** System calls of the file system (node's `error.syscall`); EACCES from `listen` or `kill` is something else. */
const FILE_SYSTEM_CALLS = new Set([
  'open', 'close', 'read', 'write', 'writev', 'fsync', 'fdatasync', 'ftruncate', 'truncate', 'mkdir', 'rmdir', 'unlink',
  'rename', 'link', 'symlink', 'copyfile', 'scandir', 'opendir', 'stat', 'lstat', 'fstat', 'utime', 'futime', 'chmod', 'access', 'rm',
]);

/** The errno code of a file-system error that is about the disk (no space, read-only, permission, I/O), else undefined. */
export function fileSystemErrno(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!(e instanceof Error) || typeof e.code !== 'string' || !Object.hasOwn(FILE_SYSTEM_ERRNOS, e.code)) return undefined;
  return typeof e.path === 'string' || (typeof e.syscall === 'string' && FILE_SYSTEM_CALLS.has(e.syscall)) ? e.code : undefined;
}

/**
 * A file-system error as FileSystemError: `FILE: reason (CODE)` and what to do. `file` names the file when
 * the error does not (a write on an open file says no path); `advice` replaces the default sentence.
 * Anything that is not such an error is returned unchanged.
 */
export function toFileSystemError(error: unknown, file?: string, advice?: string): unknown {
  if (error instanceof OcrdetError) return error;
  const code = fileSystemErrno(error);
  if (!code) return error;
  const e = error as NodeJS.ErrnoException & { dest?: unknown };
  const where = file ?? e.path ?? 'a file';
  const dest = typeof e.dest === 'string' && file === undefined ? ` → ${e.dest}` : '';
  const doing = e.syscall ? `, ${e.syscall}` : '';
  const fix = advice ?? (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'free some space (or write elsewhere) and run again' : 'check the file and its folder, then run again');
  return new FileSystemError(`${where}${dest}: ${FILE_SYSTEM_ERRNOS[code]} (${code}${doing}); ${fix}`, { cause: error, details: { file: where, errno: code } });
}

/**
 * Wraps anything thrown into an OcrdetError: the disk's errors (no space, read-only, permission, I/O)
 * become OCRDET_FILE_SYSTEM; other unknown errors become OCRDET_INTERNAL with the cause kept.
 */
export function toOcrdetError(error: unknown): OcrdetError {
  if (error instanceof OcrdetError) return error;
  const fileSystem = toFileSystemError(error);
  if (fileSystem instanceof OcrdetError) return fileSystem;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message.split('\n')[0] ?? 'unknown error', { cause: error });
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
  return new ERROR_CLASSES[code](message, details ? { details } : {});
}

/** The one line shown to users: `CODE: message`. */
export function describeError(error: unknown): string {
  return toOcrdetError(error).toString();
}

/**
 * Reads a `CODE: message` line back into `{ code, message }`: results files written before a failed image's
 * error was recorded as an object hold it as that line. A line without a known code is OCRDET_INTERNAL,
 * with the whole line as its message.
 */
export function parseErrorLine(line: string): { code: ErrorCode; message: string } {
  const match = /^(OCRDET_[A-Z_]+): ([\s\S]*)$/.exec(line);
  return match && isErrorCode(match[1]) ? { code: match[1], message: match[2] } : { code: 'OCRDET_INTERNAL', message: line };
}
