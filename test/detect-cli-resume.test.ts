/**
 * `ocrdet detect --out` is resumable, end to end: the real CLI with the real PP-OCRv4 detector (det only,
 * to keep it quick) on 10 real photos (test/fixtures/batch, twice each under a/ and b/). One run goes
 * uninterrupted; another is killed with SIGKILL as soon as its first line is on disk, then rerun; a third
 * file gets a half-written last line by hand. All three must end with the same lines, in input order,
 * without duplicates (timings aside: they differ between runs). The runs killed (kill -9) and interrupted
 * (Ctrl-C) are real processes of the executable; the others, and every rerun, run in this process (runHere).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, finished, REPO, runHere, spawnCli } from './helpers/cli.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'batch');
let work: string;
let full: string;

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const { timings: _timings, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });
}

const args = (out: string) => ['detect', 'images', '--out', out, '--no-text', '--concurrency', '2', '--threads', '1'];

beforeAll(async () => {
  assertBuilt(['cli/detect', 'batch/run', 'batch/jsonl', 'batch/pool', 'batch/inputs', 'detectors/index']);
  work = mkdtempSync(join(tmpdir(), 'ocrdet-resume-'));
  for (const folder of ['a', 'b']) {
    mkdirSync(join(work, 'images', folder), { recursive: true });
    for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(work, 'images', folder, name));
  }
  full = join(work, 'full.jsonl');
  const result = await runHere(args(full), work);
  expect(result.stderr).toMatch(/^detect: 10 images done, 0 failed in [\d.]+ s/);
  expect(result.code).toBe(0);
}, 300_000);

describe('ocrdet detect --out (resumable)', () => {
  it('an uninterrupted run writes one line per image, in sorted input order, with regions found', () => {
    const recorded = lines(full);
    expect(recorded.map((l) => l.image)).toEqual(['a', 'b'].flatMap((f) => readdirSync(FIXTURES).sort().map((n) => `images/${f}/${n}`)));
    for (const line of recorded) expect((line.regions as unknown[]).length, String(line.image)).toBeGreaterThan(0);
  });

  it('after kill -9 mid-run, a rerun completes the file: same lines as the uninterrupted run, no duplicates', async () => {
    const out = join(work, 'killed.jsonl');
    const child = spawnCli(args(out), work);
    const exit = finished(child);
    // Poll the file (not a timing assertion): kill as soon as one line is complete.
    while (!(existsSync(out) && readFileSync(out, 'utf8').includes('\n'))) await sleep(20);
    child.kill('SIGKILL');
    const killed = await exit;
    expect(killed.signal).toBe('SIGKILL');
    const before = readFileSync(out, 'utf8');
    const linesBefore = before.split('\n').length - 1;
    expect(linesBefore, 'the run ended before it could be killed; the test proves nothing').toBeLessThan(10);

    const rerun = await runHere(args(out), work);
    expect(rerun.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith(before.slice(0, before.lastIndexOf('\n') + 1))).toBe(true); // finished lines kept as they were
    expect(lines(out)).toEqual(lines(full));
    expect(rerun.stderr).toMatch(new RegExp(`${linesBefore} of 10 images already done`));
  }, 300_000);

  it('cuts a half-written last line and redoes only that image and the ones after it', async () => {
    const out = join(work, 'torn.jsonl');
    const text = readFileSync(full, 'utf8');
    const kept = text.split('\n').slice(0, 7).join('\n');
    const torn = text.split('\n')[7].slice(0, 25);
    writeFileSync(out, `${kept}\n${torn}`);
    const rerun = await runHere(args(out), work);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/removed a half-written last line \(25 bytes\)/);
    expect(rerun.stderr).toMatch(/7 of 10 images already done; doing the other 3/);
    expect(lines(out)).toEqual(lines(full));
  }, 300_000);

  it('Ctrl-C (SIGINT) stops after the images in flight, exits 130 with complete lines only; a rerun finishes', async () => {
    const out = join(work, 'interrupted.jsonl');
    const child = spawnCli(args(out), work);
    const exit = finished(child);
    while (!(existsSync(out) && readFileSync(out, 'utf8').includes('\n'))) await sleep(20);
    child.kill('SIGINT');
    const stopped = await exit;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/stopping: no new images/);
    expect(stopped.stderr).toMatch(/OCRDET_INTERRUPTED: stopped by a signal after \d+ of 10 images \(kept in .*interrupted\.jsonl; run the same command again/);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const done = lines(out);
    expect(done.length).toBeLessThan(10);
    expect(done).toEqual(lines(full).slice(0, done.length)); // a prefix, in input order
    const rerun = await runHere(args(out), work);
    expect(rerun.code).toBe(0);
    expect(lines(out)).toEqual(lines(full));
  }, 300_000);

  it('a rerun of a finished file does nothing and changes nothing', async () => {
    const before = readFileSync(full);
    const rerun = await runHere(args(full), work);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/10 of 10 images already done/);
    expect(readFileSync(full).equals(before)).toBe(true);
  }, 300_000);
});
