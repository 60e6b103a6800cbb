/**
 * Job arrays end to end, through the program run in this process (runHere): `detect --shard K/N` with the real PP-OCRv4
 * detector (det only) on the 5 real photos of test/fixtures/batch, merged by `results merge`, equals one run;
 * the array script `detect --emit slurm --shards 3` writes, run by bash once per task with the variables SLURM
 * sets (it starts the real executable), and the merge command it names, give one run's file (against a PROTOCOL DOUBLE of an OpenAI-compatible
 * server, test/helpers/openai-double.js, answering a fixed real InternVL answer); `--shard auto` in a
 * Kubernetes Indexed Job; the usage errors.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, finished, REPO, runHere, type CliResult } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'batch');
const realAnswers = JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'grounding', 'real-answers.json'), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;

let work: string;
let server: OpenAiDouble;

beforeAll(async () => {
  assertBuilt(['cli/detect', 'cli/detect-shards', 'cli/results', 'batch/shard', 'batch/merge', 'batch/run']);
  work = mkdtempSync(join(tmpdir(), 'ocrdet-shards-cli-'));
  mkdirSync(join(work, 'photos'));
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(work, 'photos', name));
  mkdirSync(join(work, 'pages', 'sub'), { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(work, 'pages', i % 4 === 0 ? 'sub' : '', `page-${i}.jpg`), await solidJpeg(400 + 10 * i, 300));
  server = await startOpenAiDouble({ answer: () => ANSWER });
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const { timings: _timings, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });
}

/** Runs a written job script with bash, in the environment a scheduler gives it (it starts the real executable). */
function runScript(script: string, env: Record<string, string>): Promise<CliResult> {
  const child = spawn('bash', [script], { cwd: work, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child);
}

const vlm = () => ['--backend', 'vlm', '--base-url', server.url, '--model', 'ocrdet-test-model', '--dialect', 'internvl2'];

describe('detect --shard K/N, then results merge', () => {
  it('two parts of the real detector, merged with the inputs, are the lines of one run in its order', async () => {
    const ppocr = ['--no-text', '--threads', '1', '--concurrency', '1'];
    const one = await runHere(['detect', 'photos', '--out', 'one.jsonl', ...ppocr], work);
    expect(one.code, one.stderr).toBe(0);
    const sizes: number[] = [];
    for (const shard of ['1/2', '2/2']) {
      const part = await runHere(['detect', 'photos', '--out', 'parts/dets.jsonl', '--shard', shard, ...ppocr], work);
      expect(part.code, part.stderr).toBe(0);
      const file = join(work, 'parts', `dets.${shard.replace('/', '-of-')}.jsonl`);
      expect(part.stderr).toContain(`this part's results go to parts/dets.${shard.replace('/', '-of-')}.jsonl`);
      sizes.push(existsSync(file) ? lines(file).length : 0);
    }
    expect(sizes.reduce((a, b) => a + b)).toBe(5);
    expect(Math.min(...sizes), 'one part is empty: the test would prove little').toBeGreaterThan(0);
    const merged = await runHere(['results', 'merge', 'parts/dets.*-of-2.jsonl', '--input', 'photos', '--out', 'all.jsonl'], work);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toContain('results merge: 5 images from 2 parts in all.jsonl');
    expect(lines(join(work, 'all.jsonl'))).toEqual(lines(join(work, 'one.jsonl')));
    for (const line of lines(join(work, 'all.jsonl'))) expect((line.regions as unknown[]).length).toBeGreaterThan(0);
  }, 180_000);

  it('names the inputs no part has (exit 1) and writes them all to --missing', async () => {
    const part = await runHere(['detect', 'pages', '--out', 'miss/dets.jsonl', '--shard', '1/3', ...vlm()], work);
    expect(part.code, part.stderr).toBe(0);
    const done = lines(join(work, 'miss', 'dets.1-of-3.jsonl')).length;
    const merged = await runHere(['results', 'merge', 'miss/dets.1-of-3.jsonl', '--input', 'pages', '--out', 'miss/all.jsonl', '--missing', 'miss/todo.txt'], work);
    expect(merged.code).toBe(1);
    const missing = readFileSync(join(work, 'miss', 'todo.txt'), 'utf8').split('\n').filter(Boolean);
    expect(missing).toHaveLength(12 - done);
    expect(merged.stderr).toContain(`results merge: ${12 - done} inputs in no part: ${missing.slice(0, 10).join(', ')}`);
    // Doing exactly the missing ones, then merging them into the merged file, completes it.
    const rest = await runHere(['detect', ...missing, '--out', 'miss/rest.jsonl', ...vlm()], work);
    expect(rest.code, rest.stderr).toBe(0);
    const again = await runHere(['results', 'merge', 'miss/all.jsonl', 'miss/rest.jsonl', '--input', 'pages', '--out', 'miss/all.jsonl'], work);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(join(work, 'miss', 'all.jsonl'))).toHaveLength(12);
  }, 60_000);
});

describe('detect --emit slurm --shards N', () => {
  it('writes an array script; its tasks, run as SLURM runs them, and the merge it names give one run', async () => {
    const emitted = await runHere(['detect', 'pages', '--out', 'array/dets.jsonl', '--emit', 'slurm', '--shards', '3', '--partition', 'cpu', '--time', '01:00:00', ...vlm()], work);
    expect(emitted.code, emitted.stderr).toBe(0);
    const scriptPath = join(work, 'array', 'detect.sbatch');
    expect(emitted.stdout.trim()).toBe('array/detect.sbatch');
    expect(existsSync(join(work, 'array', 'dets.jsonl'))).toBe(false);
    const script = readFileSync(scriptPath, 'utf8');
    for (const directive of ['--job-name=ocrdet-detect', '--array=1-3', '--ntasks=1', '--cpus-per-task=4', '--output=array/slurm-%A_%a.log', '--partition=cpu', '--time=01:00:00']) {
      expect(script).toContain(`#SBATCH ${directive}\n`);
    }
    expect(script).toContain('--shard "$SLURM_ARRAY_TASK_ID/3"');
    const args = /^DETECT_ARGS=\(\n([\s\S]*?)\n\)$/m.exec(script)?.[1];
    expect(args).toBe(`  detect pages\n  --backend vlm\n  --out array/dets.jsonl\n  --base-url ${server.url}\n  --model ocrdet-test-model\n  --dialect internvl2`);
    for (let task = 1; task <= 3; task++) {
      const result = await runScript(scriptPath, { SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
      expect(result.code, result.stderr).toBe(0);
    }
    // The merge is written with the program the tasks run (a checkout has no `ocrdet` on PATH).
    const mergeLine = /^# {3}(.* results merge .*)$/m.exec(script)?.[1];
    const program = /^OCRDET=\(\n {2}(.*)\n\)$/m.exec(script)?.[1];
    expect(mergeLine).toBe(`${program} results merge 'array/dets.*-of-3.jsonl' --input pages --out array/dets.jsonl`);
    const words = [...mergeLine!.slice(program!.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
    const merged = await runHere(words, work);
    expect(merged.code, merged.stderr).toBe(0);
    const one = await runHere(['detect', 'pages', '--out', 'array-one.jsonl', ...vlm()], work);
    expect(one.code, one.stderr).toBe(0);
    expect(lines(join(work, 'array', 'dets.jsonl'))).toEqual(lines(join(work, 'array-one.jsonl')));
  }, 60_000);
});

describe('detect --shard auto', () => {
  it('in a Kubernetes Indexed Job: JOB_COMPLETION_INDEX 0 … 2 with --shards 3 do the three parts', async () => {
    const sizes = [];
    for (let index = 0; index < 3; index++) {
      const result = await runHere(['detect', 'pages', '--out', 'k8s/dets.jsonl', '--shard', 'auto', '--shards', '3', ...vlm()], work, { JOB_COMPLETION_INDEX: String(index) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`part ${index + 1}/3:`);
      sizes.push(lines(join(work, 'k8s', `dets.${index + 1}-of-3.jsonl`)).length);
    }
    expect(sizes.reduce((a, b) => a + b)).toBe(12);
  }, 60_000);

  it('usage errors, exit 2, nothing written: auto without its count, --shards alone, a part that does not exist, --emit without --out', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--shard', 'auto'], { JOB_COMPLETION_INDEX: '1' }, /--shard auto: Kubernetes sets JOB_COMPLETION_INDEX \(1\) but not the number of parts; give --shards N/],
      [['--shards', '3'], {}, /--shards N goes with --emit slurm/],
      [['--shard', '4/3'], {}, /--shard 4\/3: part 4 of 3 does not exist/],
      [['--emit', 'slurm', '--shards', '2'], {}, /--emit slurm needs --out FILE/],
      [['--shard', '1/2', '--emit', 'slurm', '--shards', '2', '--out', 'x.jsonl'], {}, /leave out --shard/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runHere(['detect', 'pages', ...args, ...vlm()], work, env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'x.jsonl'))).toBe(false);
    // What every task would refuse is refused before the script is written.
    const emit = ['--emit', 'slurm', '--shards', '2', '--out', 'refused/dets.jsonl', ...vlm()];
    const refused: [string[], RegExp][] = [
      [['pages', '--format', 'text'], /--format text writes to stdout/],
      [['no-such-folder'], /no-such-folder/],
      [['pages/*.tif'], /matched no image or PDF files/],
    ];
    for (const [args, message] of refused) {
      const result = await runHere(['detect', ...args, ...emit], work);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'refused'))).toBe(false);
  }, 60_000);
});
