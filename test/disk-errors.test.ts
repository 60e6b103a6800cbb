/**
 * A disk that fills up, refuses or fails: OCRDET_FILE_SYSTEM naming the file (exit 1), never OCRDET_INTERNAL;
 * the results file keeps only complete lines, and the rerun on a good disk completes without losing or
 * doubling a line. The errors are the kernel's own, made without mount rights, as root or not:
 *   - ENOSPC: /dev/full, which fails every write with "no space left on device" (the writer itself, and an
 *     overlay whose path is a symbolic link to it);
 *   - EFBIG: a file-size limit (`ulimit -f`, with SIGXFSZ ignored as a shell's `trap '' XFSZ` leaves it for the
 *     program it starts), which stops a results file mid-line the way a full disk does;
 *   - EACCES / EROFS: /sys, where no one may create files (sysfs; read-only in containers), root included.
 * The real tmpfs case (`mount -t tmpfs -o size=12k`) needs mount rights; it was checked by hand (README).
 * Detection runs against a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js)
 * replaying a real recorded answer, so the runs are quick and every line is known.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JsonlWriter } from '../src/batch/jsonl.js';
import { FileSystemError } from '../src/core/errors.js';
import { BufferedFile } from '../src/datasets/spool.js';
import { assertBuilt, CLI, finished, runInProcess } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

const realAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;
const linux = process.platform === 'linux';
const work = mkdtempSync(join(tmpdir(), 'ocrdet-disk-'));

let server: OpenAiDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function folderOf(name: string, count: number): Promise<string> {
  const folder = join(work, name);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(folder, `img-${i}.jpg`), await solidJpeg(600 + 10 * i, 400, [i * 20, 100, 150]));
  return folder;
}

const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { image: string; regions: unknown[]; warnings?: string[] });

describe.skipIf(!linux)('no space left', () => {
  it('the results writer on a full device: OCRDET_FILE_SYSTEM naming the file, and no further line is tried', async () => {
    const writer = await JsonlWriter.open('/dev/full');
    const line = { image: 'a.jpg', width: 1, height: 1, regions: [], backend: 'x', model: 'x', timings: {} };
    const error = await writer.append(line).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect(String(error)).toMatch(/^OCRDET_FILE_SYSTEM: \/dev\/full: no space left on the device \(ENOSPC, write\); the lines written before are kept: run the same command again/);
    await expect(writer.append(line)).rejects.toBe(error);
    await writer.close();
  });

  it("data convert's buffered writer on a full device: OCRDET_FILE_SYSTEM naming the file asked for", () => {
    // As AtomicFile writes train.jsonl.partial-PID and names train.jsonl.
    const file = new BufferedFile('/dev/full', 'out/train.jsonl');
    file.write('x'.repeat(100));
    expect(() => file.flush()).toThrow(/^out\/train\.jsonl: no space left on the device \(ENOSPC, write\)/);
    expect(() => file.write('y'.repeat(2 * 2 ** 20))).toThrow(FileSystemError);
  });

  it('an overlay that cannot be written fails its image (exit 1, its regions kept); the rerun draws it from the results', async () => {
    server = await startOpenAiDouble({ answer: () => ANSWER });
    const folder = await folderOf('overlay-full', 3);
    const overlays = join(work, 'overlays-full');
    mkdirSync(overlays);
    symlinkSync('/dev/full', join(overlays, 'img-1.png'));
    const out = join(work, 'overlay-full.jsonl');
    const args = ['detect', folder, '--backend', 'vlm', '--base-url', server.url, '--out', out, '--overlay', overlays];
    const first = await runInProcess(args);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/img-1\.jpg: OCRDET_FILE_SYSTEM: overlay not written: .*overlays-full\/img-1\.png: no space left on the device \(ENOSPC, write\)/);
    expect(first.stderr).toMatch(/detect: 3 images done, 1 failed/);
    const lines = linesOf(out);
    expect(lines.map((l) => l.regions.length)).toEqual([15, 15, 15]);
    expect(lines[1].warnings).toEqual([expect.stringMatching(/^overlay not written: .*ENOSPC/)]);

    // The failed write left nothing behind that could pass for the overlay.
    expect(existsSync(join(overlays, 'img-1.png'))).toBe(false);
    const asked = server.stats.chatRequests;
    const again = await runInProcess(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/drew 1 overlay of images done before, from their recorded regions/);
    expect(server.stats.chatRequests).toBe(asked);
    const png = await sharp(join(overlays, 'img-1.png')).metadata();
    expect([png.format, png.width, png.height]).toEqual(['png', 610, 400]);
    expect(linesOf(out)).toHaveLength(3);
  });
});

describe.skipIf(!linux)('a results file stopped mid-line (the file-size limit, as a full disk stops it)', () => {
  beforeAll(() => assertBuilt(['cli/detect', 'cli/program', 'batch/run', 'batch/jsonl', 'core/errors']));

  it('exit 1 with OCRDET_FILE_SYSTEM naming the file; complete lines only; the rerun completes, the first lines untouched', async () => {
    server = await startOpenAiDouble({ answer: () => ANSWER });
    const folder = await folderOf('limited', 8);
    const out = join(work, 'limited.jsonl');
    const args = ['detect', folder, '--backend', 'vlm', '--base-url', server.url, '--out', out, '--concurrency', '1'];
    // 4 blocks of 1024 bytes: room for 2 of the ~1.8 KB lines; the third is cut by the kernel mid-write.
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const limited = await finished(spawn('sh', ['-c', `trap '' XFSZ; ulimit -f 4; exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(new RegExp(`^OCRDET_FILE_SYSTEM: ${out}: file too large \\(.*\\) \\(EFBIG, write\\); the lines written before are kept: run the same command again`, 'm'));
    expect(limited.stderr).not.toContain('--debug'); // the disk's error is no bug of ocrdet's: no stack trace asked for
    const kept = readFileSync(out, 'utf8');
    expect(kept.endsWith('\n')).toBe(true);
    const before = linesOf(out);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(8);

    const rerun = await runInProcess(args);
    expect(rerun.code).toBe(0);
    const after = readFileSync(out, 'utf8');
    expect(after.startsWith(kept)).toBe(true);
    expect(linesOf(out).map((l) => l.image)).toEqual(Array.from({ length: 8 }, (_, i) => join(folder, `img-${i}.jpg`)));
  });
});

describe.skipIf(!linux)('a folder no one may write (sysfs)', () => {
  it('--out there: OCRDET_FILE_SYSTEM, exit 1, before any image', async () => {
    server = await startOpenAiDouble({ answer: () => ANSWER });
    const folder = await folderOf('sysfs', 1);
    const result = await runInProcess(['detect', folder, '--backend', 'vlm', '--base-url', server.url, '--out', '/sys/ocrdet-test-results.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^OCRDET_FILE_SYSTEM: --out \/sys\/ocrdet-test-results\.jsonl: cannot write its lock file .* there \((EACCES|EROFS|EPERM): /m);
    expect(server.stats.chatRequests).toBe(0);
    expect(existsSync('/sys/ocrdet-test-results.jsonl')).toBe(false);
  });

  it('ocrdet reparse --out there: OCRDET_FILE_SYSTEM naming the file, exit 1 (not an unhandled stream error)', async () => {
    const line = { image: 'a.jpg', width: 100, height: 100, regions: [], backend: 'vlm', model: 'm', timings: {}, dialect: 'internvl2', raw: [{ answer: ANSWER, frame: { left: 0, top: 0, width: 100, height: 100 }, sent: { width: 100, height: 100 } }] };
    const results = join(work, 'reparse-me.jsonl');
    writeFileSync(results, `${JSON.stringify(line)}\n`);
    const result = await runInProcess(['reparse', results, '--out', '/sys/ocrdet-test-reparsed.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^OCRDET_FILE_SYSTEM: \/sys\/ocrdet-test-reparsed\.jsonl: (permission denied|read-only file system|operation not permitted) \((EACCES|EROFS|EPERM), open\)/m);
  });

  it('--overlay there: OCRDET_FILE_SYSTEM naming the flag, exit 1, before any image', async () => {
    server = await startOpenAiDouble({ answer: () => ANSWER });
    const result = await runInProcess(['detect', await folderOf('sysfs-overlay', 1), '--backend', 'vlm', '--base-url', server.url, '--overlay', '/sys/ocrdet-test-overlays']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^OCRDET_FILE_SYSTEM: --overlay \/sys\/ocrdet-test-overlays: cannot create the folder \((EACCES|EROFS|EPERM)\)$/m);
    expect(server.stats.chatRequests).toBe(0);
  });
});
