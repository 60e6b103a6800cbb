/**
 * `ocrdet data preview FILE.jsonl|DATASET --out DIR [--limit 20] [--dialect D] [--filter TEXT] [--format F]`: a shell over
 * `previewDataset()`: draws what each training row teaches (answers decoded back with the dialect's parse)
 * on its image, one PNG per row plus DIR/index.md; given a dataset instead of JSONL, draws its ground truth.
 * Each picture's path is printed on stdout; problems and decoding warnings on stderr.
 * Exit 0 when every row looked at was drawn; 1 when some could not be; 2 usage errors.
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { count } from '../core/plural.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { FORMATS, scoreFlags } from './data-stats.js';
import { positiveInt, printLine, warn } from './output.js';

const FLAGS = {
  out: { flags: '--out <dir>', description: 'folder for the pictures (one PNG per row) and index.md', required: true, schema: z.string().min(1) },
  limit: { flags: '--limit <n>', description: 'rows drawn at most', parse: positiveInt('--limit'), default: 20, schema: z.number().int().positive() },
  dialect: { flags: '--dialect <name>', description: "the answers' dialect (default: report.json beside the file, else recognised from the answer)", schema: z.string().min(1).optional() },
  task: { flags: '--task <task>', description: 'text, objects or boxes (Florence-2 reads OCR quads for text, boxes for objects)', schema: z.enum(['text', 'objects', 'boxes']).optional() },
  filter: { flags: '--filter <text>', description: 'only rows whose image path contains this (e.g. crops/)', schema: z.string().min(1).optional() },
  minPixels: { flags: '--min-pixels <n>', description: 'qwen2.5-vl: MIN_PIXELS the answers were written for', parse: positiveInt('--min-pixels'), schema: z.number().int().positive().optional() },
  maxPixels: { flags: '--max-pixels <n>', description: 'qwen2.5-vl: MAX_PIXELS the answers were written for', parse: positiveInt('--max-pixels'), schema: z.number().int().positive().optional() },
  maxSide: { flags: '--max-side <px>', description: 'longer side of the pictures', parse: positiveInt('--max-side'), default: 1600, schema: z.number().int().positive() },
  format: { flags: '--format <format>', description: `a dataset's format: ${FORMATS.join(', ')} (default: detected from the path)`, schema: z.enum(FORMATS).optional() },
  images: { flags: '--images <dir>', description: "a dataset's images, when not where its format says", schema: z.string().min(1).optional() },
  ...scoreFlags(),
} as const;

async function runPreview(file: string, flags: FlagsOf<typeof FLAGS>): Promise<number> {
  const [{ previewDataset, isTrainingFile }, { formatProblem }] = await Promise.all([import('../datasets/preview.js'), import('../datasets/problems.js')]);
  const training = await isTrainingFile(file, flags.format ? { format: flags.format } : {});
  if ((flags.images || flags.minScore !== undefined || flags.minTextScore !== undefined) && training) {
    throw new UsageError(`ocrdet data preview: --images, --min-score and --min-text-score are for a dataset; ${file} is a training file (its rows name their images)`);
  }
  const result = await previewDataset(file, {
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
  return result.failed > 0 ? 1 : 0;
}

export const spec = defineCommand({
  name: 'preview',
  description: 'draw what a training file teaches: answers decoded back with their dialect, drawn on the images',
  arguments: {
    file: {
      name: '<file>',
      description: "a training JSONL (ms-swift 3.x/4.x or 2.x, InternVL), or a dataset (drawn from its ground truth; ocrdet's results JSONL too)",
      schema: z.string().min(1),
    },
  },
  flags: FLAGS,
  run: ({ args, flags }) => runPreview(args.file, flags),
});
