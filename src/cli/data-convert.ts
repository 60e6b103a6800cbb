/**
 * `ocrdet data convert DATASET --out DIR [--to swift|internvl|icdar|coco] [--dialect D] …`: a shell over
 * `convertDataset()`: flags → typed options → conversion → a short summary on stdout (or the report with
 * --json); each thing left out is one line on stderr as it is found (warnings too with --verbose).
 * Exit codes: 0 everything was used (don't-care regions are not problems); 1 something was left out (a bad
 * record, a dropped region, a skipped image) — the files are written all the same, unless --strict, which
 * then writes only the report; 2 usage errors.
 */
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { ConvertOptions } from '../datasets/convert-options.js';
import type { ConvertReport } from '../datasets/convert-report.js';
import { numberIn, parseFlags, positiveInt, printJson, printLine, restateOptionError, showProgress, warn } from './output.js';
import { SCORE_FLAGS } from './data-stats.js';
import { count } from '../core/plural.js';
import { FAMILIES } from '../grounding/families.js';
import { describeRule } from '../grounding/image-rules.js';
import { dialects } from '../grounding/index.js';

/** The flags that say what a conversion writes (shared with `ocrdet data autolabel`). */
export const TargetFlagsShape = {
  to: z.string().optional(),
  dialect: z.string().optional(),
  family: z.string().optional(),
  answer: z.string().optional(),
  swiftVersion: z.enum(['2', '3', '4']).optional(),
  task: z.string().optional(),
  prompt: z.string().optional(),
  system: z.string().optional(),
  promptsFrom: z.string().optional(),
  paths: z.string().optional(),
  copyImages: z.boolean().optional(),
  split: z.number().optional(),
  seed: z.number().optional(),
  splitBy: z.string().optional(),
  maxAnswerTokens: z.number().optional(),
  overflow: z.string().optional(),
  keepEmpty: z.boolean().optional(),
  minPixels: z.number().optional(),
  maxPixels: z.number().optional(),
  maxTiles: z.number().optional(),
};
type TargetFlags = z.infer<z.ZodObject<typeof TargetFlagsShape>>;

const FlagsSchema = z.object({
  dataset: z.string().min(1),
  out: z.string().min(1),
  ...TargetFlagsShape,
  format: z.string().optional(),
  images: z.string().optional(),
  minScore: z.number().optional(),
  minTextScore: z.number().optional(),
  probe: z.boolean().default(true),
  strict: z.boolean().optional(),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
});
type Flags = z.infer<typeof FlagsSchema>;

export function createCommand(): Command {
  const command = new Command('convert')
    .description('convert a dataset to fine-tuning data (ms-swift / InternVL JSONL in a grounding dialect) or to ICDAR / COCO')
    .argument('<dataset>', "a dataset folder or annotation file (voc-quad, icdar2015, ppocr, labelme, coco), or ocrdet's results JSONL (detections as labels)")
    .requiredOption('--out <dir>', 'output folder: train / val files, the data record ocrdet-data.json (training formats), report.json, report.md (crops/ and copies when needed)');
  return addTargetOptions(command)
    .option('--format <format>', 'dataset format (default: detected)')
    .option('--images <dir>', 'where the images are, when not where the format says')
    .option(SCORE_FLAGS.minScore[0], SCORE_FLAGS.minScore[1], numberIn('--min-score', 0, 1))
    .option(SCORE_FLAGS.minTextScore[0], `${SCORE_FLAGS.minTextScore[1]}; --task text only`, numberIn('--min-text-score', 0, 1))
    .option('--no-probe', 'do not read image headers (sizes from the annotations; no EXIF check)')
    .option('--strict', 'write train/val only if nothing was left out (exit 1 otherwise)')
    .option('--json', 'print report.json to stdout instead of the summary')
    .option('--verbose', 'also print warnings about data kept as written (regions clipped to their image) and notes')
    .action(async (dataset: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(FlagsSchema, { ...raw, dataset }, 'ocrdet data convert', ['dataset']);
      process.exitCode = await runConvert(flags);
    });
}

/** Adds the flags of TargetFlagsShape: output format, dialect, task, prompts, split, budget, image rule. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--to <format>', 'swift (ms-swift JSONL), internvl (InternVL JSONL + meta.json), icdar, coco', 'swift')
    .option('--dialect <name>', `grounding dialect of the answers: ${dialects.names().join(', ')}`, 'internvl2')
    .option('--family <name>', `model family the rows are for, when not the one the dialect is named after: ${FAMILIES.names().join(', ')}`)
    .option('--answer <mode>', 'native (answer written in the dialect) or objects (ms-swift <ref-object>/<bbox> + objects field)', 'native')
    .option('--swift-version <n>', 'ms-swift row format: 3 (3.x/4.x messages) or 2 (2.x system/query/response)', '3')
    .option('--task <task>', "text (transcriptions as labels), objects (object labels), boxes (label 'text')", 'text')
    .option('--prompt <text>', "user prompt (default: the dialect's prompt for the task)")
    .option('--system <text>', 'system prompt (default: none, the template default)')
    .option('--prompts-from <file.jsonl>', "reuse the system and user prompts of a training file's first row")
    .option('--paths <mode>', 'image paths: abs, or rel (relative to the output folder)', 'abs')
    .option('--copy-images', 'copy the images into the output folder (images/)')
    .option('--split <ratio>', 'share of images in train, in (0, 1]; the rest in val (exact counts, by image)', splitRatio, 0.9)
    .option('--seed <n>', 'seed of the split (an integer ≥ 0)', (v: string) => Number(v), 42)
    .option('--split-by <key>', 'image, or source (each sub-folder / source keeps the ratio)', 'image')
    .option('--max-answer-tokens <n>', 'answer budget in estimated tokens', positiveInt('--max-answer-tokens'), 2048)
    .option('--overflow <strategy>', 'over-budget images: crop (overlapping crops whose answers fit) or skip', 'crop')
    .option('--keep-empty', 'keep images without care regions (empty answers)')
    .option('--min-pixels <n>', 'Qwen2/2.5/3-VL: MIN_PIXELS of training (smart_resize; default 3136, Qwen3-VL 4096)', positiveInt('--min-pixels'))
    .option('--max-pixels <n>', 'Qwen2/2.5/3-VL: MAX_PIXELS of training (smart_resize; default 1003520, Qwen3-VL 1048576)', positiveInt('--max-pixels'))
    .option('--max-tiles <n>', "InternVL: most 448-px tiles per image in training (ms-swift's MAX_NUM; default 12)", positiveInt('--max-tiles'));
}

/** The conversion options of TargetFlags (enum values are checked by the converter's schema, which names the option). */
export function targetOptions(flags: TargetFlags): Omit<ConvertOptions, 'out'> {
  const { swiftVersion, ...rest } = flags;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    ...(swiftVersion ? { swiftVersion: Number(swiftVersion) } : {}),
  } as Omit<ConvertOptions, 'out'>;
}

/** --split: a share of images in (0, 1] (0 would leave nothing to train on). */
function splitRatio(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`--split expects a number in (0, 1], got "${value}"`);
  return n;
}

/** A one-line counter on a terminal's stderr, erased before other lines (nothing when stderr is not a terminal). */
function progressLine(enabled: boolean) {
  return {
    shown: false,
    show(text: string) {
      if (!enabled) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      this.shown = true;
    },
    clear() {
      if (this.shown) process.stderr.write('\r\x1b[2K');
      this.shown = false;
    },
  };
}

async function runConvert(flags: Flags): Promise<number> {
  const progress = progressLine(showProgress(false));
  const [{ convertDataset }, { formatProblem }] = await Promise.all([import('../datasets/convert.js'), import('../datasets/problems.js')]);
  const { dataset, json, verbose, probe, swiftVersion, ...rest } = flags;
  // Enum values (--to, --task, …) are checked by convertDataset's own schema, which names the option.
  const options = {
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    probeImages: probe,
    ...(swiftVersion ? { swiftVersion: Number(swiftVersion) } : {}),
  } as ConvertOptions;
  const report = await convertDataset(dataset, {
    ...options,
    // One line per thing left out; warnings about data kept (clipped to the image) only with --verbose.
    onProblem: (problem) => {
      if (progress.shown) progress.clear();
      if (problem.skipped || verbose) warn(`${problem.kind}: ${formatProblem({ ...problem, kind: 'note' })}`);
    },
    onProgress: ({ images, samples }) => progress.show(`convert: ${count(images, 'image')} read, ${count(samples, 'sample')}`),
  }).catch((error: unknown) => {
    throw restateOptionError(error, 'ocrdet data convert');
  });
  progress.clear();
  if (json) printJson(report);
  else printSummary(report);
  return report.problems.skipped > 0 ? 1 : 0;
}

export function printSummary(r: ConvertReport): void {
  // ICDAR / COCO keep don't-care regions (as ### / iscrowd): only answers leave them out.
  const exchange = r.dialect === undefined;
  const dropped = Object.entries(r.regions.dropped).filter(([k, n]) => n > 0 && !(exchange && k === 'dont-care'));
  printLine(`${r.out}: ${r.samples.train} train / ${count(r.samples.val, 'val sample')} from ${r.images.written} of ${count(r.images.read, 'image')} (${r.to}${r.dialect ? `, ${r.dialect}` : ''})`);
  const kept = exchange ? `${r.regions.inAnswers} care and ${r.regions.dropped['dont-care']} don't care written` : `${r.regions.inAnswers} in answers`;
  printLine(`  regions  ${kept}; dropped: ${dropped.map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
  if (r.answerTokens && r.answerTokens.count > 0) {
    const t = r.answerTokens;
    printLine(`  tokens   median ${t.median} · p90 ${t.p90} · max ${t.max} (estimated; budget ${r.budget?.maxAnswerTokens})`);
  }
  if (r.budget && r.budget.overBudget > 0) {
    printLine(`  budget   ${count(r.budget.overBudget, 'image')} over: ${r.budget.cropped} cut into ${count(r.samples.fromCrops, 'crop')}, ${r.budget.skipped + r.budget.uncroppable} skipped`);
  }
  if (r.family && r.image && r.rowTokens && r.rowTokens.count > 0) {
    printLine(`  record   ${r.files.record}: ${r.family}, images ${describeRule(r.image)}; rows median ${r.rowTokens.median} · max ${r.rowTokens.max} tokens with their image`);
  }
  printLine(`  problems ${r.problems.total} (${r.problems.skipped} left something out)${r.written ? '' : ' — --strict: train/val NOT written'}`);
  printLine(`  files    ${Object.values(r.files).join(', ')}`);
}
