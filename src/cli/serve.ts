/**
 * `ocrdet serve`: the HTTP API (`POST /v1/detect`, `GET /healthz`) and the web page over one detector,
 * created from the same backend flags as `ocrdet detect`. Ctrl-C closes the server, lets requests in
 * flight finish, and releases the detector.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseOptions } from '../core/options.js';
import { BACKENDS, DEFAULT_BACKEND, createBackendDetector } from '../detectors/index.js';
import { addBackendFlags, backendOptions } from './backend-flags.js';
import { positiveInt, warn } from './output.js';

const serveFlagsSchema = z.object({
  backend: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  concurrency: z.number().int().positive().optional(),
  maxUploadMb: z.number().positive().max(1024),
  quiet: z.boolean().default(false),
});

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
    .option('--port <port>', 'port to listen on (0: any free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port expects 0–65535, got "${v}"`);
      return n;
    }, 8080)
    .option('--concurrency <n>', 'images detected at once; more requests wait in line (default 2)', positiveInt('--concurrency'))
    .addOption(new Option('--max-upload-mb <mb>', 'largest request body accepted, in MB').default(25).argParser(Number))
    .option('-q, --quiet', 'no request log');
  addBackendFlags(command);
  command.addHelpText('after', '\nThen open http://HOST:PORT/ or: curl --data-binary @photo.jpg -H "content-type: image/jpeg" http://HOST:PORT/v1/detect');
  return command.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const flags = parseOptions(serveFlagsSchema, { ...raw, quiet: raw.quiet ?? false }, 'ocrdet serve');
    const entry = BACKENDS.get(flags.backend);
    const detector = await createBackendDetector(entry.name, backendOptions(cmd, entry.name));
    const { buildServer } = await import('../server/app.js');
    const app = await buildServer(detector, {
      concurrency: flags.concurrency ?? entry.defaultConcurrency,
      maxUploadBytes: Math.round(flags.maxUploadMb * 1024 * 1024),
      version: packageVersion(),
    });
    if (!flags.quiet) {
      app.addHook('onResponse', async (request, reply) => {
        warn(`${request.method} ${request.url} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms`);
      });
    }
    const address = await app.listen({ host: flags.host, port: flags.port });
    warn(`ocrdet serve: ${entry.name} (${detector.model}) at ${address}/ — POST ${address}/v1/detect; Ctrl-C stops`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        warn('ocrdet serve: stopping (requests in flight finish first)');
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await app.close();
    await detector.close();
  });
}
