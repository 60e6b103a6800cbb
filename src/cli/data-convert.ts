/**
 * `ocrdet data convert DATASET --out DIR [--to swift|internvl|icdar|coco] [--dialect D] …`: a shell over
 * `convertDataset()`: flags → typed options → conversion → a short summary on stdout (or the report with
 * --json); each thing left out is one line on stderr as it is found (warnings too with --verbose).
 * Exit codes: 0 everything was used (don't-care regions are not problems); 1 something was left out (a bad
 * record, a dropped region, a skipped image) — the files are written all the same, unless --strict, which
 * then writes only the report; 2 usage errors.
 */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { ConvertOptions } from '../datasets/convert-options.js';
import type { ConvertReport } from '../datasets/convert-report.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { positiveInt, printJson, printLine, restateOptionError, showProgress, warn } from './output.js';
import { scoreFlags } from './data-stats.js';
import { count } from '../core/plural.js';
import { FAMILIES } from '../grounding/families.js';
import { describeRule } from '../grounding/image-rules.js';
import { dialects } from '../grounding/index.js';

const optionalText = z.string().optional();
const optionalNumber = z.number().optional();

/**
 * The flags that say what a conversion writes (shared with `ocrdet data autolabel`), keyed by the converter's
 * options. Their values (--to, --task, …) are checked by convertDataset's own schema, which names the option.
 */
export const TARGET_FLAGS = {
  to: { flags: '--to <format>', description: 'swift (ms-swift JSONL), internvl (InternVL JSONL + meta.json), icdar, coco', default: 'swift', schema: optionalText },
  dialect: { flags: '--dialect <name>', description: `grounding dialect of the answers: ${dialects.names().join(', ')}`, default: 'internvl2', schema: optionalText },
  family: { flags: '--family <name>', description: `model family the rows are for, when not the one the dialect is named after: ${FAMILIES.names().join(', ')}`, schema: optionalText },
  answer: { flags: '--answer <mode>', description: 'native (answer written in the dialect) or objects (ms-swift <ref-object>/<bbox> + objects field)', default: 'native', schema: optionalText },
  swiftVersion: { flags: '--swift-version <n>', description: 'ms-swift row format: 3 (3.x/4.x messages) or 2 (2.x system/query/response)', default: '3', schema: z.enum(['2', '3', '4']).optional() },
  task: { flags: '--task <task>', description: "text (transcriptions as labels), objects (object labels), boxes (label 'text')", default: 'text', schema: optionalText },
  prompt: { flags: '--prompt <text>', description: "user prompt (default: the dialect's prompt for the task)", schema: optionalText },
  system: { flags: '--system <text>', description: 'system prompt (default: none, the template default)', schema: optionalText },
  promptsFrom: { flags: '--prompts-from <file.jsonl>', description: "reuse the system and user prompts of a training file's first row", schema: optionalText },
  paths: { flags: '--paths <mode>', description: 'image paths: abs, or rel (relative to the output folder)', default: 'abs', schema: optionalText },
  copyImages: { flags: '--copy-images', description: 'copy the images into the output folder (images/)', schema: z.boolean().optional() },
  split: { flags: '--split <ratio>', description: 'share of images in train, in (0, 1]; the rest in val (exact counts, by image)', parse: splitRatio, default: 0.9, schema: optionalNumber },
  seed: { flags: '--seed <n>', description: 'seed of the split (an integer ≥ 0)', parse: (v: string) => Number(v), default: 42, schema: optionalNumber },
  splitBy: { flags: '--split-by <key>', description: 'image, or source (each sub-folder / source keeps the ratio)', default: 'image', schema: optionalText },
  maxAnswerTokens: { flags: '--max-answer-tokens <n>', description: 'answer budget in estimated tokens', parse: positiveInt('--max-answer-tokens'), default: 2048, schema: optionalNumber },
  overflow: { flags: '--overflow <strategy>', description: 'over-budget images: crop (overlapping crops whose answers fit) or skip', default: 'crop', schema: optionalText },
  keepEmpty: { flags: '--keep-empty', description: 'keep images without care regions (empty answers)', schema: z.boolean().optional() },
  minPixels: {
    flags: '--min-pixels <n>',
    description: 'Qwen2/2.5/3-VL: MIN_PIXELS of training (smart_resize; default 3136, Qwen3-VL 4096)',
    parse: positiveInt('--min-pixels'),
    schema: optionalNumber,
  },
  maxPixels: {
    flags: '--max-pixels <n>',
    description: 'Qwen2/2.5/3-VL: MAX_PIXELS of training (smart_resize; default 1003520, Qwen3-VL 1048576)',
    parse: positiveInt('--max-pixels'),
    schema: optionalNumber,
  },
  maxTiles: { flags: '--max-tiles <n>', description: "InternVL: most 448-px tiles per image in training (ms-swift's MAX_NUM; default 12)", parse: positiveInt('--max-tiles'), schema: optionalNumber },
} as const;
type TargetFlags = FlagsOf<typeof TARGET_FLAGS>;

const FLAGS = {
  out: {
    flags: '--out <dir>',
    description: 'output folder: train / val files, the data record ocrdet-data.json (training formats), report.json, report.md (crops/ and copies when needed)',
    required: true,
    schema: z.string().min(1),
  },
  ...TARGET_FLAGS,
  format: { flags: '--format <format>', description: 'dataset format (default: detected)', schema: optionalText },
  images: { flags: '--images <dir>', description: 'where the images are, when not where the format says', schema: optionalText },
  ...scoreFlags((text, key) => (key === 'minTextScore' ? `${text}; --task text only` : text)),
  probe: { flags: '--no-probe', description: 'do not read image headers (sizes from the annotations; no EXIF check)', schema: z.boolean().default(true) },
  strict: { flags: '--strict', description: 'write train/val only if nothing was left out (exit 1 otherwise)', schema: z.boolean().optional() },
  json: { flags: '--json', description: 'print report.json to stdout instead of the summary', schema: z.boolean().default(false) },
  verbose: { flags: '--verbose', description: 'also print warnings about data kept as written (regions clipped to their image) and notes', schema: z.boolean().default(false) },
} as const;
type Flags = FlagsOf<typeof FLAGS>;

export const spec = defineCommand({
  name: 'convert',
  description: 'convert a dataset to fine-tuning data (ms-swift / InternVL JSONL in a grounding dialect) or to ICDAR / COCO',
  arguments: {
    dataset: {
      name: '<dataset>',
      description: "a dataset folder or annotation file (voc-quad, icdar2015, ppocr, labelme, coco), or ocrdet's results JSONL (detections as labels)",
      schema: z.string().min(1),
    },
  },
  flags: FLAGS,
  run: ({ args, flags }) => runConvert(args.dataset, flags),
});

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

async function runConvert(dataset: string, flags: Flags): Promise<number> {
  const progress = progressLine(showProgress(false));
  const [{ convertDataset }, { formatProblem }] = await Promise.all([import('../datasets/convert.js'), import('../datasets/problems.js')]);
  const { json, verbose, probe, swiftVersion, ...rest } = flags;
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
