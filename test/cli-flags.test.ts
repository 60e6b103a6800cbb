/**
 * The rules every command follows, through the program's real `run` (in-process: exit codes and streams are
 * the real ones): `ocrdet help <command>` is that command's full help; a flag that takes one value refuses a
 * second; a mistyped sub-command is named; --out that is not a results file stops before anything is done;
 * counts read "1 region", never "1 regions".
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_SUBCOMMANDS } from '../src/cli/data.js';
import { commanderCommand } from '../src/cli/command-spec.js';
import { isRepeatable } from '../src/cli/flags.js';
import { COMMANDS, parseCli } from '../src/cli/program.js';
import { runInProcess } from './helpers/cli.js';
import { SEED_TEST } from './helpers/seed-test.js';

const scratch = mkdtempSync(join(tmpdir(), 'ocrdet-cli-flags-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ocrdet = (...argv: string[]) => runInProcess(argv);

/** Every command and sub-command the user can name, as words: ['detect'], ['data', 'convert'], ['train', 'status'], … */
const COMMAND_PATHS: string[][] = [
  ...COMMANDS.map((c) => [c.name]),
  ...DATA_SUBCOMMANDS.map((s) => ['data', s.name]),
  ['train', 'status'],
  ['results', 'merge'],
];

/** Commands that are only groups of sub-commands: their help lists the sub-commands. */
const GROUPS: Record<string, readonly string[]> = { data: DATA_SUBCOMMANDS.map((s) => s.name), results: ['merge'] };

describe('ocrdet help <command>', () => {
  it.each(COMMAND_PATHS.map((words) => [words.join(' '), words]))('prints the full help of %s, as --help does', async (_name, words) => {
    const viaHelp = await ocrdet('help', ...words);
    const viaFlag = await ocrdet(...words, '--help');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain(`Usage: ocrdet ${words.join(' ')} [options]`);
    const group = GROUPS[words.join(' ')];
    if (group) {
      for (const sub of group) expect(viaHelp.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
      return;
    }
    // More than the stand-in's lone -h, --help: the command's own flags.
    const flags = viaHelp.stdout.split('\n').filter((line) => /^\s+(-\w, )?--[a-z]/.test(line));
    expect(flags.length).toBeGreaterThan(1);
  });

  it('names an unknown command and its closest match (exit 2)', async () => {
    const result = await ocrdet('help', 'detcet');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OCRDET_USAGE: unknown command 'detcet'");
    expect(result.stderr).toContain('Did you mean detect?');
  });
});

/** A value the option's own parser and choices accept, so that only the repetition can fail. */
function validValue(option: Option): string {
  const candidates = [...(option.argChoices ?? []), '1', '0.5', 'x', '0,1'];
  const found = candidates.find((value) => {
    try {
      option.parseArg?.(value, option.defaultValue as never);
      return true;
    } catch {
      return false;
    }
  });
  if (found === undefined) throw new Error(`no valid value found for ${option.flags}`);
  return found;
}

/** Every command as commander builds it from its spec (to list their flags). */
async function commandTrees(): Promise<Command[]> {
  return Promise.all(COMMANDS.map(async (entry) => commanderCommand((await entry.load()).spec, () => undefined)));
}

describe('a flag that takes one value', () => {
  it('refuses a second value on every command and sub-command (a usage error before anything runs)', async () => {
    const checked: string[] = [];
    for (const tree of await commandTrees()) {
      for (const command of [tree, ...tree.commands]) {
        const words = command === tree ? [tree.name()] : [tree.name(), command.name()];
        for (const option of command.options) {
          if (!(option.required || option.optional) || option.variadic || isRepeatable(option)) continue;
          const value = validValue(option);
          const parsed = await parseCli([...words, option.long!, value, option.long!, value]);
          expect(parsed, `${words.join(' ')} ${option.long}`).toMatchObject({ kind: 'exit', code: 2 });
          expect((parsed as { stderr: string }).stderr, `${words.join(' ')} ${option.long}`).toContain(`OCRDET_USAGE: ${option.long} given twice`);
          checked.push(`${command.name()} ${option.long}`);
        }
      }
    }
    // Each command has such flags; the list is long (every backend flag of detect and serve among them).
    expect(checked.length).toBeGreaterThan(80);
    expect(checked).toEqual(expect.arrayContaining(['detect --out', 'detect --model', 'eval --iou', 'convert --to', 'preview --out', 'train --data', 'status --plots-dir', 'deploy --port', 'serve --port', 'reparse --out', 'merge --gpus', 'stats --format']));
  });

  it('names both values and does nothing: detect --out a --out b writes neither', async () => {
    const a = join(scratch, 'a.jsonl');
    const b = join(scratch, 'b.jsonl');
    const result = await ocrdet('detect', join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0769.jpg'), '--out', a, '--out', b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`OCRDET_USAGE: --out given twice ("${a}", then "${b}"); it takes one value`);
    expect(existsSync(a) || existsSync(b)).toBe(false);
  });

  it('unless declared repeatable: train --env A=1 --env B=2 passes both', async () => {
    const train = commanderCommand((await COMMANDS.find((c) => c.name === 'train')!.load()).spec, () => undefined).options.find((o) => o.long === '--env')!;
    expect(isRepeatable(train)).toBe(true);
    const result = await ocrdet('train', '--data', join(scratch, 'data'), '--env', 'A=1', '--env', 'B=2', '--dry-run', '--json', '--swift-version', '3', '--no-gpu-check', '-q');
    expect(result.stderr).not.toContain('given twice');
    expect(JSON.parse(result.stdout).env).toMatchObject({ A: '1', B: '2' });
  });
});

describe("a value the flag's parser refuses", () => {
  it('is a usage error naming the flag (exit 2), on every command: data autolabel --preview-limit -1', async () => {
    const result = await ocrdet('data', 'autolabel', join(scratch, 'none'), '--out', join(scratch, 'al'), '--preview-limit', '-1');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('OCRDET_USAGE: --preview-limit expects a whole number ≥ 0, got "-1"');
    expect(existsSync(join(scratch, 'al'))).toBe(false);
  });
});

describe('a mistyped sub-command', () => {
  it('train stats suggests train status (exit 2)', async () => {
    const result = await ocrdet('train', 'stats', 'runs/ocr');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OCRDET_USAGE: unknown command 'train stats'; did you mean 'train status'?");
  });

  it('an operand far from every sub-command lists them', async () => {
    const result = await ocrdet('train', 'runs/ocr');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OCRDET_USAGE: unknown command 'train runs/ocr'; its sub-commands: status");
  });
});

describe('--out that is not a results file', () => {
  it('detect stops with exit 2 and leaves the file as it was', async () => {
    const notes = join(scratch, 'notes.txt');
    writeFileSync(notes, 'shopping list\nmilk\n');
    const result = await ocrdet('detect', join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0769.jpg'), '--out', notes);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^OCRDET_USAGE: .*notes\.txt:1: not a Detection JSON line \("shopping list"\); is --out the right file\?/m);
    expect(readFileSync(notes, 'utf8')).toBe('shopping list\nmilk\n');
  });

  it('reparse stops with exit 2 and leaves the file as it was (reparse replaces --out)', async () => {
    const results = join(scratch, 'results.jsonl');
    writeFileSync(results, `${JSON.stringify({ image: 'a.jpg', width: 10, height: 10, regions: [], backend: 'vlm', model: 'm', timings: {} })}\n`);
    const notes = join(scratch, 'notes-reparse.txt');
    writeFileSync(notes, 'not results\n');
    const result = await ocrdet('reparse', results, '--out', notes, '--dialect', 'internvl2');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a Detection JSON line ("not results"); is --out the right file? reparse only replaces results files');
    expect(readFileSync(notes, 'utf8')).toBe('not results\n');
  });
});

describe('data preview and --format', () => {
  it('has the --format its "cannot tell the format" message asks for', async () => {
    const unknown = join(scratch, 'no-annotations');
    mkdirSync(unknown, { recursive: true });
    writeFileSync(join(unknown, 'readme.txt'), 'nothing here\n');
    const asked = await ocrdet('data', 'preview', unknown, '--out', join(scratch, 'pv-unknown'));
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('cannot tell the dataset format; pass --format');
    const help = await ocrdet('data', 'preview', '--help');
    expect(help.stdout).toMatch(/^\s+--format <format>/m);
  });

  it('reads a dataset in the format given', async () => {
    const dataset = join(scratch, 'one-voc');
    mkdirSync(join(dataset, 'Annotations'), { recursive: true });
    mkdirSync(join(dataset, 'Images'), { recursive: true });
    copyFileSync(join(SEED_TEST, 'Annotations', 'MSRA_TD500_IMG_0769.xml'), join(dataset, 'Annotations', 'MSRA_TD500_IMG_0769.xml'));
    copyFileSync(join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0769.jpg'), join(dataset, 'Images', 'MSRA_TD500_IMG_0769.jpg'));
    const wrong = await ocrdet('data', 'preview', dataset, '--format', 'coco', '--out', join(scratch, 'pv-coco'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('no coco annotations found; it looks like voc-quad');
    const right = await ocrdet('data', 'preview', dataset, '--format', 'voc-quad', '--out', join(scratch, 'pv-voc'));
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/0001-MSRA_TD500_IMG_0769\.png\t15 regions\n1 picture in /);
  });
});

describe('counts', () => {
  it('say "1 region" and "1 image", never "1 regions" (seed-test has images with one region)', async () => {
    const result = await ocrdet('data', 'preview', SEED_TEST, '--limit', '50', '--max-side', '64', '--out', join(scratch, 'pv-all'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\t1 region$/m);
    expect(result.stdout).toMatch(/\t\d*[02-9] regions$/m);
    expect(result.stdout).not.toMatch(/\b1 regions\b/);
    const one = await ocrdet('eval', '--gt', join(SEED_TEST, 'Annotations', 'MSRA_TD500_IMG_1922.xml'), '--pred', writeEmptyPredictions());
    expect(one.stdout).toMatch(/^1 image · \d+ care regions? /m);
  });
});

function writeEmptyPredictions(): string {
  const file = join(scratch, 'empty-pred.jsonl');
  writeFileSync(file, `${JSON.stringify({ image: 'MSRA_TD500_IMG_1922.jpg', width: 1600, height: 1200, regions: [] })}\n`);
  return file;
}
