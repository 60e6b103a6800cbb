/**
 * `ocrdet data preview FILE.jsonl|DATASET --out DIR [--limit 20] [--dialect D] [--filter TEXT] [--format F]`: a shell over
 * `previewDataset()`: draws what each training row teaches (answers decoded back with the dialect's parse)
 * on its image, one PNG per row plus DIR/index.md; given a dataset instead of JSONL, draws its ground truth.
 * Each picture's path is printed on stdout; problems and decoding warnings on stderr.
 * Exit 0 when every row looked at was drawn; 1 when some could not be; 2 usage errors.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { count } from '../core/plural.js';
import { FORMATS, SCORE_FLAGS } from './data-stats.js';
import { numberIn, parseFlags, positiveInt, printLine, warn } from './output.js';

const FlagsSchema = z.object({
  file: z.string().min(1),
  out: z.string().min(1),
  limit: z.number().int().positive().default(20),
  dialect: z.string().min(1).optional(),
  task: z.enum(['text', 'objects', 'boxes']).optional(),
  filter: z.string().min(1).optional(),
  minPixels: z.number().int().positive().optional(),
  maxPixels: z.number().int().positive().optional(),
  maxSide: z.number().int().positive().default(1600),
  format: z.enum(FORMATS).optional(),
  images: z.string().min(1).optional(),
  minScore: z.number().optional(),
  minTextScore: z.number().optional(),
});

export function createCommand(): Command {
  return new Command('preview')
    .description('draw what a training file teaches: answers decoded back with their dialect, drawn on the images')
    .argument('<file>', "a training JSONL (ms-swift 3.x/4.x or 2.x, InternVL), or a dataset (drawn from its ground truth; ocrdet's results JSONL too)")
    .requiredOption('--out <dir>', 'folder for the pictures (one PNG per row) and index.md')
    .option('--limit <n>', 'rows drawn at most', positiveInt('--limit'), 20)
    .option('--dialect <name>', "the answers' dialect (default: report.json beside the file, else recognised from the answer)")
    .option('--task <task>', 'text, objects or boxes (Florence-2 reads OCR quads for text, boxes for objects)')
    .option('--filter <text>', 'only rows whose image path contains this (e.g. crops/)')
    .option('--min-pixels <n>', 'qwen2.5-vl: MIN_PIXELS the answers were written for', positiveInt('--min-pixels'))
    .option('--max-pixels <n>', 'qwen2.5-vl: MAX_PIXELS the answers were written for', positiveInt('--max-pixels'))
    .option('--max-side <px>', 'longer side of the pictures', positiveInt('--max-side'), 1600)
    .option('--format <format>', `a dataset's format: ${FORMATS.join(', ')} (default: detected from the path)`)
    .option('--images <dir>', "a dataset's images, when not where its format says")
    .option(SCORE_FLAGS.minScore[0], SCORE_FLAGS.minScore[1], numberIn('--min-score', 0, 1))
    .option(SCORE_FLAGS.minTextScore[0], SCORE_FLAGS.minTextScore[1], numberIn('--min-text-score', 0, 1))
    .action(async (file: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(FlagsSchema, { ...raw, file }, 'ocrdet data preview', ['file']);
      const [{ previewDataset, isTrainingFile }, { formatProblem }] = await Promise.all([import('../datasets/preview.js'), import('../datasets/problems.js')]);
      const training = await isTrainingFile(flags.file, flags.format ? { format: flags.format } : {});
      if ((flags.images || flags.minScore !== undefined || flags.minTextScore !== undefined) && training) {
        throw new UsageError(`ocrdet data preview: --images, --min-score and --min-text-score are for a dataset; ${flags.file} is a training file (its rows name their images)`);
      }
      const result = await previewDataset(flags.file, {
        out: flags.out,
        limit: flags.limit,
        maxSidePx: flags.maxSide,
        ...(flags.dialect ? { dialect: flags.dialect } : {}),
        ...(flags.task ? { task: flags.task } : {}),
        ...(flags.filter ? { filter: flags.filter } : {}),
        ...(flags.minPixels ? { minPixels: flags.minPixels } : {}),
        ...(flags.maxPixels ? { maxPixels: flags.maxPixels } : {}),
        ...(flags.format ? { format: flags.format } : {}),
        ...(flags.images ? { images: flags.images } : {}),
        ...(flags.minScore !== undefined ? { minScore: flags.minScore } : {}),
        ...(flags.minTextScore !== undefined ? { minTextScore: flags.minTextScore } : {}),
        onProblem: (problem) => warn(`${problem.kind}: ${formatProblem({ ...problem, kind: 'note' })}`),
      });
      for (const picture of result.pictures) printLine(`${picture.picture}\t${count(picture.regions, 'region')}${picture.dialect ? `\t${picture.dialect}` : ''}`);
      printLine(`${count(result.pictures.length, 'picture')} in ${result.out} (index.md)${result.failed ? `; ${count(result.failed, 'row')} could not be drawn` : ''}`);
      process.exitCode = result.failed > 0 ? 1 : 0;
    });
}
