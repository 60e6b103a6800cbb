/**
 * `ocrdet serve`: the HTTP API (`POST /v1/detect`, `GET /healthz`) and the web page over one detector,
 * created from the same backend flags as `ocrdet detect`. Ctrl-C closes the server, lets requests in
 * flight finish, and releases the detector.
 *
 * Flag values are checked by commander parsers that throw its InvalidArgumentError (printed as
 * `OCRDET_USAGE`, exit 2); an address that cannot be listened on is a UsageError naming it.
 */
import { InvalidArgumentError as InvalidFlag } from 'commander';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { BACKENDS, DEFAULT_BACKEND, createBackendDetector } from '../detectors/index.js';
import { LIMIT_DEFAULTS } from '../server/limits.js';
import { backendFlagTable, backendOptions } from './backend-flags.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { packageVersion } from './commands.js';
import { positiveInt, restateOptionError, warn } from './output.js';
import { onInterrupt } from './signals.js';

/** The flag of each server option a flag sets, for messages. */
const SERVER_FLAGS: Readonly<Record<string, string>> = {
  queue: '--queue',
  maxConnections: '--max-connections',
  headersTimeoutMs: '--headers-timeout',
  bodyTimeoutMs: '--body-timeout',
  requestTimeoutMs: '--request-timeout',
};

/** `--port`: an integer in 0–65535 (0: the system picks a free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidFlag(`--port expects 0–65535, got "${value}"`);
  return n;
}

/** `--max-upload-mb`: a number of MB above 0, at most 1024. */
export function parseUploadMb(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1024) throw new InvalidFlag(`--max-upload-mb expects a number of MB above 0 and at most 1024, got "${value}"`);
  return n;
}

/** `--queue`: a whole number ≥ 0 (0: refuse whatever cannot start at once). */
export function parseQueue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidFlag(`--queue expects a whole number ≥ 0, got "${value}"`);
  return n;
}

/** A timeout flag in seconds (decimals allowed), above 0 and at most a day. */
function seconds(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 86_400) throw new InvalidFlag(`${flag} expects a number of seconds above 0, got "${value}"`);
    return n;
  };
}

const ms = (secondsValue: number | undefined) => (secondsValue === undefined ? undefined : Math.round(secondsValue * 1000));

/** Why an address cannot be listened on, as node's listen errors say it (errno codes), in words. */
const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is already in use (another server?); choose another --port',
  EACCES: 'needs privileges (ports below 1024 usually need root); choose a --port of 1024 or more',
  EADDRNOTAVAIL: 'is not an address of this machine; check --host (0.0.0.0 listens on every interface)',
  ENOTFOUND: 'names a host that does not resolve; check --host',
};

/** A listen failure the user can fix (port taken, privileged, wrong host) as a UsageError; others unchanged. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem = code === undefined ? undefined : LISTEN_PROBLEMS[code];
  if (!problem) return error;
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new UsageError(`${address} ${problem}`, { cause: error });
}

const LIMITS = 'Limits:';

const FLAGS = {
  backend: { flags: '--backend <name>', description: `detector backend: ${BACKENDS.names().join(', ')}`, default: DEFAULT_BACKEND, schema: z.string().min(1) },
  host: { flags: '--host <host>', description: 'interface to listen on (0.0.0.0 for every interface)', default: '127.0.0.1', schema: z.string().min(1) },
  port: { flags: '--port <port>', description: 'port to listen on (0: any free port)', parse: parsePort, default: 8080, schema: z.number().int().min(0).max(65535) },
  concurrency: {
    flags: '--concurrency <n>',
    description: `images detected at once; more requests wait in line (default: per backend, ${BACKENDS.all().map((b) => `${b.name} ${b.defaultConcurrency}`).join(', ')})`,
    parse: positiveInt('--concurrency'),
    schema: z.number().int().positive().optional(),
  },
  maxUploadMb: { flags: '--max-upload-mb <mb>', description: 'largest request body accepted, in MB', parse: parseUploadMb, default: 25, schema: z.number().positive().max(1024) },
  queue: {
    flags: '--queue <n>',
    description: `requests that may wait for a slot; more get 503 with Retry-After (default: ${LIMIT_DEFAULTS.queuePerSlot} × --concurrency)`,
    parse: parseQueue,
    group: LIMITS,
    schema: z.number().int().min(0).optional(),
  },
  maxConnections: {
    flags: '--max-connections <n>',
    description: `open connections at once; more are closed as they arrive (default: ${LIMIT_DEFAULTS.maxConnections})`,
    parse: positiveInt('--max-connections'),
    group: LIMITS,
    schema: z.number().int().positive().optional(),
  },
  headersTimeout: {
    flags: '--headers-timeout <s>',
    description: `seconds for a request's headers to arrive (default: ${LIMIT_DEFAULTS.headersTimeoutMs / 1000})`,
    parse: seconds('--headers-timeout'),
    group: LIMITS,
    schema: z.number().positive().optional(),
  },
  bodyTimeout: {
    flags: '--body-timeout <s>',
    description: `longest pause while a body is received, in seconds (default: ${LIMIT_DEFAULTS.bodyTimeoutMs / 1000})`,
    parse: seconds('--body-timeout'),
    group: LIMITS,
    schema: z.number().positive().optional(),
  },
  requestTimeout: {
    flags: '--request-timeout <s>',
    description: `seconds for the whole request, headers and body, to arrive (default: ${LIMIT_DEFAULTS.requestTimeoutMs / 1000})`,
    parse: seconds('--request-timeout'),
    group: LIMITS,
    schema: z.number().positive().optional(),
  },
  quiet: { flags: '-q, --quiet', description: 'no request log', schema: z.boolean().default(false) },
  ...backendFlagTable(),
} as const;

/** Serves until Ctrl-C: the detector of the chosen backend behind the HTTP API and the page. */
async function runServe(flags: FlagsOf<typeof FLAGS>, given: ReadonlySet<string>): Promise<void> {
  const entry = BACKENDS.get(flags.backend);
  // A long-running server's own defaults (ppocr: one worker thread, so the server answers while a model runs).
  const detector = await createBackendDetector(entry.name, { ...entry.serverDefaults, ...backendOptions(flags, given, entry.name) });
  const { buildServer } = await import('../server/app.js');
  const concurrency = flags.concurrency ?? detector.defaultConcurrency ?? entry.defaultConcurrency;
  const limits = {
    ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
    ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
    ...(flags.headersTimeout !== undefined ? { headersTimeoutMs: ms(flags.headersTimeout) } : {}),
    ...(flags.bodyTimeout !== undefined ? { bodyTimeoutMs: ms(flags.bodyTimeout) } : {}),
    ...(flags.requestTimeout !== undefined ? { requestTimeoutMs: ms(flags.requestTimeout) } : {}),
  };
  let app;
  try {
    app = await buildServer(detector, { concurrency, maxUploadBytes: Math.round(flags.maxUploadMb * 1024 * 1024), version: packageVersion(), ...limits, ...(flags.quiet ? {} : { requestLog: warn }) });
  } catch (error) {
    await detector.close();
    throw restateOptionError(error, 'ocrdet serve', (key) => SERVER_FLAGS[key] ?? `option "${key}"`);
  }
  let address: string;
  try {
    address = await app.listen({ host: flags.host, port: flags.port });
  } catch (error) {
    await app.close();
    await detector.close();
    throw listenError(error, flags.host, flags.port);
  }
  const queue = flags.queue ?? LIMIT_DEFAULTS.queuePerSlot * concurrency;
  warn(`ocrdet serve: ${entry.name} (${detector.model}) at ${address}/ — POST ${address}/v1/detect; ${concurrency} at once, ${queue} waiting at most; Ctrl-C stops`);
  // The first Ctrl-C lets the requests in flight finish; a second ends ocrdet at once.
  let detach = () => {};
  await new Promise<void>((resolve) => {
    detach = onInterrupt((count) => {
      if (count > 1) return false;
      warn('ocrdet serve: stopping (requests in flight finish first)');
      resolve();
      return true;
    });
  });
  try {
    await app.close();
    await detector.close();
  } finally {
    detach();
  }
}

export const spec = defineCommand({
  name: 'serve',
  description: 'Serve the HTTP API (POST /v1/detect, GET /healthz) and the web page over a detector.',
  flags: FLAGS,
  helpAfter: '\nThen open http://HOST:PORT/ or: curl -F image=@photo.jpg http://HOST:PORT/v1/detect',
  run: ({ flags, given }) => runServe(flags, given),
});
