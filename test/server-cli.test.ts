/**
 * `ocrdet serve` as users start it (the program in this process, runHere): flags out of range and an
 * address that cannot be listened on are usage errors (exit 2, one line, no "--debug" hint), not internal ones.
 * The vlm backend with --model starts without asking any server, so these tests load no model.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listenError, parsePort } from '../src/cli/serve.js';
import { runHere } from './helpers/cli.js';

let work: string;
let blocker: Server | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ocrdet-serve-cli-'));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

/** A vlm detector that needs no server to start (its requests would go nowhere; none is made). */
const VLM = ['--backend', 'vlm', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm'];

describe('ocrdet serve: flags', () => {
  it('--port 99999 is a usage error (exit 2) that names the flag and the range, not OCRDET_INTERNAL', async () => {
    const result = await runHere(['serve', '--port', '99999', ...VLM], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^OCRDET_USAGE: --port expects 0–65535, got "99999"$/m);
    expect(result.stderr).not.toMatch(/OCRDET_INTERNAL|--debug/);
  });

  it('--max-upload-mb that is not a number is a usage error naming the flag', async () => {
    const result = await runHere(['serve', '--max-upload-mb', 'lots', ...VLM], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^OCRDET_USAGE: --max-upload-mb expects a number of MB above 0 and at most 1024, got "lots"$/m);
    expect(result.stderr).not.toMatch(/OCRDET_INTERNAL/);
  });

  it('parsePort accepts 0 to 65535 only, as integers', () => {
    expect([parsePort('0'), parsePort('8080'), parsePort('65535')]).toEqual([0, 8080, 65535]);
    for (const bad of ['-1', '65536', '80.5', 'http', '']) expect(() => parsePort(bad)).toThrow(/--port expects 0–65535/);
  });
});

describe('ocrdet serve: an address that cannot be listened on', () => {
  it('a port already in use: one OCRDET_USAGE line naming the address and suggesting --port, exit 2', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = await runHere(['serve', '--port', String(port), ...VLM], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`OCRDET_USAGE: 127.0.0.1:${port} is already in use (another server?); choose another --port\n`);
  });

  it('a privileged port (EACCES) and a host that is not this machine are usage errors too; other errors pass through', () => {
    const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
    expect(String(listenError(errno('EACCES'), '0.0.0.0', 80))).toBe('OCRDET_USAGE: 0.0.0.0:80 needs privileges (ports below 1024 usually need root); choose a --port of 1024 or more');
    expect(String(listenError(errno('EADDRNOTAVAIL'), '10.9.9.9', 8080))).toMatch(/^OCRDET_USAGE: 10\.9\.9\.9:8080 is not an address of this machine; check --host/);
    expect(String(listenError(errno('EADDRINUSE'), '::1', 8080))).toMatch(/^OCRDET_USAGE: \[::1\]:8080 is already in use/);
    const other = errno('EMFILE');
    expect(listenError(other, '127.0.0.1', 8080)).toBe(other);
  });
});
