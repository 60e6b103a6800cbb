/**
 * `ocrdet results merge PARTS… --out FILE [--input PATH…]`: a thin shell over `mergeResults`
 * (src/batch/merge.ts). Parts are results files or glob patterns (quoted globs are expanded here, so the
 * command written into a job script works the same on every shell). Given the inputs the parts were run
 * on, the merged file is in their order and the inputs no part has are named; exit 1 when some are missing
 * or recorded with an error, as `detect` exits 1 when some images failed.
 */
import { stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UsageError } from '../core/errors.js';
import { count } from '../core/plural.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { printJson, warn } from './output.js';

const FLAGS = {
  out: { flags: '--out <file>', description: 'the merged results file (may be one of the parts)', required: true, schema: z.string() },
  input: {
    flags: '--input <path>',
    description: 'an input the parts were run on, as given to detect (repeatable)',
    parse: (value: string, all: string[]) => [...all, value],
    default: [],
    repeatable: true,
    schema: z.array(z.string()),
  },
  missing: { flags: '--missing <file>', description: 'with --input: write the inputs no part has, one per line', schema: z.string().optional() },
  json: { flags: '--json', description: 'print a summary as JSON: {out, parts, written, failed, duplicates, badLines, missing, outside}', schema: z.boolean().optional() },
  quiet: { flags: '-q, --quiet', description: 'no notices or summary', schema: z.boolean().optional() },
} as const;

type MergeFlags = FlagsOf<typeof FLAGS>;

/** How many missing inputs are named on stderr (all of them go to --missing FILE). */
const MISSING_SHOWN = 10;

/** Each part as given, or the files a glob pattern matches (sorted); a pattern that matches nothing is a usage error. */
async function expandParts(parts: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const part of parts) {
    if ((await stat(part).catch(() => undefined)) || !isDynamicPattern(part)) {
      files.push(part);
      continue;
    }
    const matches = (await glob(part, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) throw new UsageError(`${part}: the pattern matched no results files`);
    files.push(...matches);
  }
  return files;
}

async function runMerge(parts: readonly string[], flags: MergeFlags): Promise<number> {
  const { mergeResults } = await import('../batch/merge.js');
  const files = await expandParts(parts);
  const summary = await mergeResults({
    parts: files,
    out: flags.out,
    ...(flags.input.length > 0 ? { inputs: flags.input } : {}),
    onNotice: (message) => (flags.quiet ? undefined : warn(`results merge: ${message}`)),
  });
  if (flags.missing) await writeFile(flags.missing, summary.missing.map((path) => `${path}\n`).join(''));
  if (flags.json) printJson({ out: flags.out, parts: files, ...summary });
  if (!flags.quiet) {
    const failed = summary.failed > 0 ? `, ${summary.failed} recorded with an error (rerun their part with --retry-errors)` : '';
    warn(`results merge: ${count(summary.written, 'image')} from ${count(files.length, 'part')} in ${flags.out}${failed}`);
  }
  if (summary.missing.length > 0) {
    const shown = summary.missing.slice(0, MISSING_SHOWN).join(', ');
    const more = summary.missing.length > MISSING_SHOWN ? `, … (${flags.missing ? `all in ${flags.missing}` : 'add --missing FILE for the whole list'})` : '';
    warn(`results merge: ${count(summary.missing.length, 'input')} in no part: ${shown}${more}`);
  }
  return summary.missing.length > 0 || summary.failed > 0 ? 1 : 0;
}

export const mergeSpec = defineCommand({
  name: 'merge',
  description: 'join results files into one, each image once; in input order and naming the missing inputs when given --input',
  arguments: { parts: { name: '<parts...>', description: "results files or glob patterns (quote them: 'out/dets.*-of-16.jsonl')", schema: z.array(z.string()) } },
  flags: FLAGS,
  helpAfter: '\nExit codes: 0 every image merged, 1 some inputs missing or recorded with an error, 2 usage error.',
  check: ({ flags }) => {
    if (flags.missing && flags.input.length === 0) throw new UsageError('--missing needs --input: the inputs tell which images are missing');
  },
  run: ({ args, flags }) => runMerge(args.parts, flags),
});

export const spec = defineCommand({
  name: 'results',
  description: 'results files (Detection JSONL): merge the parts of a job array',
  flags: {},
  subcommands: [mergeSpec],
});
