/**
 * `ocrdet reparse RESULTS.jsonl [--dialect NAME] [--out FILE]`: parses the raw model answers saved by
 * `ocrdet detect --backend vlm --save-raw` again — with another grounding dialect, task or coordinate scale,
 * or a newer parser — without asking the model. A shell over `reparseResults` (src/detectors/vlm/reparse.ts).
 *
 * Output: the same JSONL, line for line, with new regions (stdout, or --out; --out may be the input file:
 * it is replaced only when every line has been written). Lines without saved answers are kept as they were
 * and named on stderr (exit 1); error lines are kept as they were. `--snap` refines each box to the text's
 * quadrilateral and `--agreement` scores each region, with one det pass of the embedded model per line's
 * image (the recorded path, from the working folder).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { positiveNumber, warn } from './output.js';
import { toFileSystemError } from '../core/errors.js';
import { count } from '../core/plural.js';

const FLAGS = {
  dialect: { flags: '--dialect <name>', description: 'grounding dialect to parse with (default: the one each line records)', schema: z.string().min(1).optional() },
  task: { flags: '--task <task>', description: 'text, boxes or objects (what the answers list; default text)', schema: z.enum(['text', 'boxes', 'objects']).optional() },
  coordinateScale: {
    flags: '--coordinate-scale <n>',
    description: 'the value that stands for the full width/height (e.g. 999 for ms-swift 2.x data)',
    parse: positiveNumber('--coordinate-scale'),
    schema: z.number().positive().optional(),
  },
  out: { flags: '--out <file>', description: 'write the JSONL here (may be the input file) instead of stdout', schema: z.string().min(1).optional() },
  snap: { flags: '--snap', description: "refine each box to the text's quadrilateral with the embedded det model (one det pass per image, found by its recorded path)", schema: z.boolean().default(false) },
  agreement: { flags: '--agreement', description: 'score each region and page by agreement with the embedded det model (implied by --snap)', schema: z.boolean().default(false) },
  quiet: { flags: '-q, --quiet', description: 'no summary line', schema: z.boolean().default(false) },
} as const;

type ReparseFlags = FlagsOf<typeof FLAGS>;

export const spec = defineCommand({
  name: 'reparse',
  description: 'parse the raw answers saved by `detect --backend vlm --save-raw` again (another dialect, task or scale), without asking the model',
  arguments: { results: { name: '<results>', description: 'Detection JSONL written by ocrdet detect --backend vlm --save-raw', schema: z.string() } },
  flags: FLAGS,
  run: ({ args, flags }) => runReparse(args.results, flags),
});

/** Lines to stdout, or to a temporary file renamed over --out at the end. */
function openSink(out: string | undefined): { write: (line: string) => Promise<void>; finish: () => Promise<void>; discard: () => Promise<void> } {
  if (!out) {
    return {
      write: async (line) => {
        if (!process.stdout.write(line)) await once(process.stdout, 'drain');
      },
      finish: async () => undefined,
      discard: async () => undefined,
    };
  }
  const temporary = `${out}.ocrdet-reparse-${process.pid}`;
  const stream = createWriteStream(temporary);
  // The folder refuses the file, or the disk fills up: said as the disk's error naming --out, at the next
  // write or at the end, never as an unhandled 'error' event.
  let failure: unknown;
  stream.on('error', (error) => (failure ??= toFileSystemError(error, out)));
  const check = () => {
    if (failure) throw failure;
  };
  const rethrow = (error: unknown) => {
    check();
    throw error;
  };
  return {
    write: async (line) => {
      check();
      if (!stream.write(line)) await once(stream, 'drain').catch(rethrow);
    },
    finish: async () => {
      check();
      stream.end();
      await once(stream, 'finish').catch(rethrow);
      check();
      await rename(temporary, out);
    },
    discard: async () => {
      // Ended, not destroyed: writes still queued would otherwise fail as an unhandled 'error' event.
      stream.on('error', () => undefined);
      stream.end();
      // A stream that failed is closed already: waiting for 'close' would wait for ever (and node would exit 0).
      if (!stream.closed) await once(stream, 'close').catch(() => undefined);
      await rm(temporary, { force: true });
    },
  };
}

/** --out is replaced at the end: it must be new, the input itself, or a results file (else exit 2, nothing done). */
async function checkOut(out: string | undefined, results: string): Promise<void> {
  if (!out || resolve(out) === resolve(results) || !existsSync(out)) return;
  const [{ scanResults }, { BadResultsError, UsageError }] = await Promise.all([import('../batch/jsonl.js'), import('../core/errors.js')]);
  await scanResults(out).catch((error: unknown) => {
    throw error instanceof BadResultsError ? new UsageError(`${error.message.replace(/ocrdet only appends to its own results$/, 'reparse only replaces results files')}`, { cause: error, details: error.details }) : error;
  });
}

async function runReparse(results: string, flags: ReparseFlags): Promise<number> {
  const { reparseResults } = await import('../detectors/vlm/reparse.js');
  await checkOut(flags.out, results);
  const sink = openSink(flags.out);
  try {
    const summary = await reparseResults(results, {
      dialect: flags.dialect,
      task: flags.task,
      coordinateScale: flags.coordinateScale,
      snap: flags.snap,
      agreement: flags.agreement,
      onRecord: (record) => {
        const { image, ...rest } = record;
        return sink.write(`${JSON.stringify({ image, ...rest })}\n`);
      },
      onProblem: (message) => warn(message),
    });
    // Not one answer gave a box: the dialect (or --task) is almost surely not the one the model spoke.
    // Writing that out would replace usable regions with empty ones (in place, over the results themselves).
    const noneParsed = summary.reparsed > 0 && summary.withoutBoxes === summary.reparsed;
    if (noneParsed && flags.out) {
      await sink.discard();
      warn(`reparse: no answer gave a box${flags.dialect ? ` with --dialect ${flags.dialect}` : ''}: is the dialect right? Nothing written; ${flags.out} is as it was`);
      return 1;
    }
    await sink.finish();
    if (!flags.quiet) {
      const using = flags.dialect ? ` with ${flags.dialect}` : '';
      const empty = summary.withoutBoxes > 0 ? `, ${count(summary.withoutBoxes, 'answer')} with no box in the dialect` : '';
      const snapped = flags.snap ? `, ${count(summary.snapped, 'region')} snapped` : '';
      warn(`reparse: ${summary.reparsed} of ${count(summary.lines, 'line')} re-parsed${using}${empty}${snapped}, ${count(summary.errors, 'error line')} kept, ${count(summary.problems, 'problem')}`);
    }
    if (noneParsed) {
      warn(`reparse: no answer gave a box${flags.dialect ? ` with --dialect ${flags.dialect}` : ''}: is the dialect right?`);
      return 1;
    }
    return summary.problems > 0 ? 1 : 0;
  } catch (error) {
    await sink.discard();
    throw error;
  }
}
