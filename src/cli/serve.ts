/**
 * `ocrdet serve`: the HTTP API (`POST /v1/detect`, `GET /healthz`) and the web page over one detector,
 * created from the same backend flags as `ocrdet detect`. Ctrl-C closes the server, lets requests in
 * flight finish, and releases the detector.
 *
 * Flag values are checked by commander parsers that throw its InvalidArgumentError (printed as
 * `OCRDET_USAGE`, exit 2); an address that cannot be listened on is a UsageError naming it.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError as InvalidFlag, Option } from 'commander';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { BACKENDS, DEFAULT_BACKEND, createBackendDetector } from '../detectors/index.js';
import { LIMIT_DEFAULTS } from '../server/limits.js';
import { addBackendFlags, backendOptions } from './backend-flags.js';
import { parseFlags, positiveInt, restateOptionError, warn } from './output.js';
import { onInterrupt } from './signals.js';

/** The flag of each server option a flag sets, for messages. */
const SERVER_FLAGS: Readonly<Record<string, string>> = {
  queue: '--queue',
  maxConnections: '--max-connections',
  headersTimeoutMs: '--headers-timeout',
  bodyTimeoutMs: '--body-timeout',
  requestTimeoutMs: '--request-timeout',
};

const serveFlagsSchema = z.object({
  backend: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  concurrency: z.number().int().positive().optional(),
  queue: z.number().int().min(0).optional(),
  maxConnections: z.number().int().positive().optional(),
  headersTimeout: z.number().positive().optional(),
  bodyTimeout: z.number().positive().optional(),
  requestTimeout: z.number().positive().optional(),
  maxUploadMb: z.number().positive().max(1024),
  quiet: z.boolean().default(false),
});

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

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function createCommand(): Command {
  const command = new Command('serve')
    .description('Serve the HTTP API (POST /v1/detect, GET /healthz) and the web page over a detector.')
    .option('--backend <name>', `detector backend: ${BACKENDS.names().join(', ')}`, DEFAULT_BACKEND)
    .option('--host <host>', 'interface to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8080)
    .option('--concurrency <n>', `images detected at once; more requests wait in line (default: per backend, ${BACKENDS.all().map((b) => `${b.name} ${b.defaultConcurrency}`).join(', ')})`, positiveInt('--concurrency'))
    .addOption(new Option('--max-upload-mb <mb>', 'largest request body accepted, in MB').default(25).argParser(parseUploadMb))
    .addOption(new Option('--queue <n>', `requests that may wait for a slot; more get 503 with Retry-After (default: ${LIMIT_DEFAULTS.queuePerSlot} × --concurrency)`).argParser(parseQueue).helpGroup('Limits:'))
    .addOption(new Option('--max-connections <n>', `open connections at once; more are closed as they arrive (default: ${LIMIT_DEFAULTS.maxConnections})`).argParser(positiveInt('--max-connections')).helpGroup('Limits:'))
    .addOption(new Option('--headers-timeout <s>', `seconds for a request's headers to arrive (default: ${LIMIT_DEFAULTS.headersTimeoutMs / 1000})`).argParser(seconds('--headers-timeout')).helpGroup('Limits:'))
    .addOption(new Option('--body-timeout <s>', `longest pause while a body is received, in seconds (default: ${LIMIT_DEFAULTS.bodyTimeoutMs / 1000})`).argParser(seconds('--body-timeout')).helpGroup('Limits:'))
    .addOption(new Option('--request-timeout <s>', `seconds for the whole request, headers and body, to arrive (default: ${LIMIT_DEFAULTS.requestTimeoutMs / 1000})`).argParser(seconds('--request-timeout')).helpGroup('Limits:'))
    .option('-q, --quiet', 'no request log');
  addBackendFlags(command);
  command.addHelpText('after', '\nThen open http://HOST:PORT/ or: curl -F image=@photo.jpg http://HOST:PORT/v1/detect');
  return command.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const flags = parseFlags(serveFlagsSchema, { ...raw, quiet: raw.quiet ?? false }, 'ocrdet serve');
    const entry = BACKENDS.get(flags.backend);
    // A long-running server's own defaults (ppocr: one worker thread, so the server answers while a model runs).
    const detector = await createBackendDetector(entry.name, { ...entry.serverDefaults, ...backendOptions(cmd, entry.name) });
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
      app = await buildServer(detector, { concurrency, maxUploadBytes: Math.round(flags.maxUploadMb * 1024 * 1024), version: packageVersion(), ...limits });
    } catch (error) {
      await detector.close();
      throw restateOptionError(error, 'ocrdet serve', (key) => SERVER_FLAGS[key] ?? `option "${key}"`);
    }
    if (!flags.quiet) {
      app.addHook('onResponse', async (request, reply) => {
        warn(`${request.method} ${request.url} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms`);
      });
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
  });
}
