/**
 * `parseCli(argv)`: a command line → the command with its arguments and flags validated and typed by the
 * command's flag table, or what to print and the exit code. Pure: it prints nothing, writes nothing and runs
 * nothing. The table's keys are the library's option keys (`--grad-accum` is `gradientAccumulation`), so a
 * library message naming a key is said as the flag the user typed (`flagNamer`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { flagName } from '../src/cli/output.js';
import { flagNamer, givenWords, type Invocation } from '../src/cli/command-spec.js';
import { parseCli, type ParsedCli } from '../src/cli/parse.js';
import { spec as trainSpec } from '../src/cli/train.js';

const scratch = mkdtempSync(join(tmpdir(), 'ocrdet-cli-parse-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** The command parseCli found (the test fails when it found none). */
function command(parsed: ParsedCli) {
  if (parsed.kind !== 'command') throw new Error(`expected a command, got exit ${parsed.code}: ${parsed.stderr}`);
  return parsed as Extract<ParsedCli, { kind: 'command' }> & Invocation;
}

describe('parseCli: a command to run', () => {
  it('train: flags under the recipe\'s own keys, typed; the keys typed are named; defaults filled', async () => {
    const parsed = command(await parseCli(['train', '--data', 'd', '--grad-accum', '4', '--lr', '1e-4', '--env', 'A=1', '--env', 'B=x=y', '--no-gpu-check']));
    expect(parsed.command).toBe('train');
    expect(parsed.flags).toMatchObject({ data: 'd', gradientAccumulation: 4, learningRate: 1e-4, env: ['A=1', 'B=x=y'], gpuCheck: false, plots: true });
    expect([...parsed.given].sort()).toEqual(['data', 'env', 'gpuCheck', 'gradientAccumulation', 'learningRate']);
  });

  it('train status: the sub-command by its words, its argument and its own flags', async () => {
    const parsed = command(await parseCli(['train', 'status', 'runs/ocr', '--follow', '--no-plots']));
    expect(parsed.command).toBe('train status');
    expect(parsed.args).toEqual({ runDir: 'runs/ocr' });
    expect(parsed.flags).toMatchObject({ follow: true, plots: false });
  });

  it("detect: a backend's flags under the backend's option keys; a repeatable one collects its values", async () => {
    const parsed = command(await parseCli(['detect', 'a.jpg', 'b.jpg', '--backend', 'vlm', '--base-url', 'http://a/v1', '--base-url', 'http://b/v1', '--max-side', '800', '--format', 'TXT']));
    expect(parsed.args).toEqual({ inputs: ['a.jpg', 'b.jpg'] });
    expect(parsed.flags).toMatchObject({ backend: 'vlm', baseUrl: ['http://a/v1', 'http://b/v1'], maxSidePx: 800, format: 'text', dpi: 200 });
  });

  it('runs nothing and prints nothing: detect --out names a file that is not made', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const file = join(scratch, 'never.jsonl');
    command(await parseCli(['detect', join(scratch, 'none.jpg'), '--out', file, '--overlay', join(scratch, 'overlays')]));
    await parseCli(['detect', '--bogus']);
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    expect(existsSync(file) || existsSync(join(scratch, 'overlays'))).toBe(false);
  });
});

describe('parseCli: what to print instead', () => {
  it('help: exit 0 and the help on stdout', async () => {
    const parsed = await parseCli(['deploy', '--help']);
    expect(parsed).toMatchObject({ kind: 'exit', code: 0, stderr: '' });
    expect((parsed as { stdout: string }).stdout).toMatch(/^Usage: ocrdet deploy \[options\] <model>\n/);
    expect((parsed as { stdout: string }).stdout).toContain('--served-model-name <name>  model name clients ask for (default: "ocrdet")');
  });

  it.each([
    ['a flag given twice', ['merge', 'runs/ocr', '--gpus', '0', '--gpus', '1'], 'OCRDET_USAGE: --gpus given twice ("0", then "1"); it takes one value'],
    ["a value the flag's parser refuses", ['deploy', 'm', '--port', '70000'], 'OCRDET_USAGE: --port expects a number in [1, 65535], got "70000"'],
    ["a value the table's schema refuses, named as the flag", ['detect', 'a.jpg', '--dpi', '5000'], 'OCRDET_USAGE: ocrdet detect: --dpi must be ≤ 2400'],
    ["a choice the table's schema refuses", ['reparse', 'r.jsonl', '--task', 'poems'], 'OCRDET_USAGE: ocrdet reparse: --task must be one of "text", "boxes", "objects"'],
    ["a rule across flags (the spec's check)", ['results', 'merge', 'a.jsonl', '--out', 'all.jsonl', '--missing', 'todo.txt'], 'OCRDET_USAGE: --missing needs --input'],
    ['a required flag left out', ['data', 'convert', 'ds'], "OCRDET_USAGE: required option '--out <dir>' not specified"],
    ['a mistyped sub-command', ['train', 'stats', 'runs/ocr'], "OCRDET_USAGE: unknown command 'train stats'; did you mean 'train status'?"],
  ])('%s: exit 2 and the message on stderr', async (_what, argv, message) => {
    const parsed = await parseCli(argv);
    expect(parsed).toMatchObject({ kind: 'exit', code: 2, stdout: '' });
    expect((parsed as { stderr: string }).stderr).toContain(message);
  });
});

describe('the flag table', () => {
  it("names a library option key as the flag the user types, else falls back (flagNamer)", () => {
    const name = flagNamer(trainSpec, flagName);
    expect([name('gradientAccumulation'), name('learningRate'), name('swiftVersion'), name('loraAlpha'), name('image.maxPixels')]).toEqual([
      '--grad-accum',
      '--lr',
      '--swift-version',
      '--lora-alpha',
      'option "image.maxPixels"',
    ]);
  });

  it('gives back the flags typed as words that parse to the same flags (what detect --emit slurm writes)', async () => {
    const typed = ['detect', 'in', '--no-text', '--threads', '2', '--concurrency', '3', '--out', 'o.jsonl', '--shard', '1/2'];
    const first = command(await parseCli(typed));
    const words = givenWords(first.spec, first, ['shard']);
    expect(words).toEqual(['--out', 'o.jsonl', '--concurrency', '3', '--no-text', '--threads', '2']);
    const again = command(await parseCli(['detect', 'in', ...words]));
    expect({ ...again.flags }).toEqual({ ...first.flags, shard: undefined });
    const vlm = command(await parseCli(['detect', 'in', '--backend', 'vlm', '--base-url', 'http://a/v1', '--base-url', 'http://b/v1', '--extra-body', '{"top_k":1}']));
    expect(givenWords(vlm.spec, vlm)).toEqual(['--backend', 'vlm', '--base-url', 'http://a/v1', '--base-url', 'http://b/v1', '--extra-body', '{"top_k":1}']);
  });
});
