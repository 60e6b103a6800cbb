/**
 * `ocrdet data stats DATASET [--format F] [--images DIR] [--no-probe] [--json]`: what a dataset holds.
 * A shell over `datasetStats()`: flags → typed options → stats → table or JSON (the README's contract).
 * Each problem is one line on stderr as it is found. Exit 0 when everything was read; 1 when something was
 * skipped (a file, record, region or image); 2 for usage errors.
 */
import { z } from 'zod';
import type { DatasetStats, Distribution } from '../datasets/stats.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { numberIn, printJson, printLine, warn } from './output.js';
import { count, plural } from '../core/plural.js';

/** The dataset formats a `--format` flag names (without loading the readers). */
export const FORMATS = ['voc-quad', 'icdar2015', 'ppocr', 'labelme', 'coco', 'results'] as const;

/**
 * The flags that judge detections when the dataset is ocrdet's results (`--format results`); `describe`
 * rewords their help for a command that reads only results.
 */
export function scoreFlags(describe: (text: string, key: 'minScore' | 'minTextScore') => string = (text) => text) {
  return {
    minScore: {
      flags: '--min-score <score>',
      description: describe("results: a region whose detector score is under this is don't care (default 0.7)", 'minScore'),
      parse: numberIn('--min-score', 0, 1),
      schema: z.number().optional(),
    },
    minTextScore: {
      flags: '--min-text-score <score>',
      description: describe("results: a region whose text score is under this is don't care (default 0.5)", 'minTextScore'),
      parse: numberIn('--min-text-score', 0, 1),
      schema: z.number().optional(),
    },
  } as const;
}

const FLAGS = {
  format: { flags: '--format <format>', description: `dataset format: ${FORMATS.join(', ')} (default: detected from the path)`, schema: z.enum(FORMATS).optional() },
  images: { flags: '--images <dir>', description: 'where the images are, when not where the format says (by relative path, then by name)', schema: z.string().min(1).optional() },
  probe: { flags: '--no-probe', description: 'do not read image headers (sizes then come from the annotations only)', schema: z.boolean().default(true) },
  ...scoreFlags(),
  json: { flags: '--json', description: 'print one JSON object (see README, "ocrdet data stats --json")', schema: z.boolean().default(false) },
} as const;

export const spec = defineCommand({
  name: 'stats',
  description: 'what a dataset holds: images, regions, sizes, texts, and the problems found reading it',
  arguments: {
    dataset: { name: '<dataset>', description: "a dataset folder or annotation file (voc-quad, icdar2015, ppocr, labelme, coco), or ocrdet's results JSONL", schema: z.string().min(1) },
  },
  flags: FLAGS,
  run: ({ args, flags }) => runStats(args.dataset, flags),
});

async function runStats(dataset: string, flags: FlagsOf<typeof FLAGS>): Promise<number> {
  const [{ datasetStats }, { formatProblem }] = await Promise.all([import('../datasets/index.js'), import('../datasets/problems.js')]);
  const stats = await datasetStats(dataset, {
    ...(flags.format ? { format: flags.format } : {}),
    ...(flags.images ? { images: flags.images } : {}),
    ...(flags.minScore !== undefined ? { minScore: flags.minScore } : {}),
    ...(flags.minTextScore !== undefined ? { minTextScore: flags.minTextScore } : {}),
    probeImages: flags.probe,
    onProblem: (problem) => warn(formatProblem(problem)),
  });
  if (flags.json) printJson(stats);
  else printStats(stats);
  return stats.skipped > 0 ? 1 : 0;
}

function distribution(d: Distribution): string {
  return d.count === 0 ? '—' : `min ${d.min} · median ${d.median} · max ${d.max} · mean ${+d.mean.toFixed(2)}`;
}

function row(label: string, value: string | number): void {
  printLine(`  ${label.padEnd(22)}${value}`);
}

export function printStats(stats: DatasetStats): void {
  const care = stats.regions - stats.ignored;
  printLine(`${stats.dataset} (${stats.format})`);
  row('images', `${stats.images}${stats.imagesWithoutSize ? `  (${stats.imagesWithoutSize} without a known size)` : ''}`);
  row('regions', `${stats.regions}  (${care} care, ${stats.ignored} don't care)`);
  row('unpaired files', stats.unpaired);
  row('regions per image', distribution(stats.regionsPerImage));
  const s = stats.shortSidePx;
  row('short side (care)', `<16 px: ${s.under16} · 16–32 px: ${s.from16to32} · ≥32 px: ${s.atLeast32}`);
  const shapes = stats.shapes;
  row('shapes (care)', `${shapes.axisAligned} axis-aligned · ${shapes.rotatedQuads} rotated quads · ${shapes.polygons} polygons`);
  row('characters per text', `${distribution(stats.charactersPerText)}${stats.charactersPerText.count ? `  (${count(stats.charactersPerText.count, 'text')})` : ''}`);
  const kinds = Object.entries(stats.problemsByKind).filter(([kind, n]) => n > 0 && kind !== 'note');
  const skipped = stats.skipped === 0 ? 'warnings only, nothing skipped' : `${stats.skipped} left something out`;
  row('problems', stats.problems === 0 ? '0' : `${stats.problems}: ${kinds.map(([kind, n]) => `${n} ${kind}`).join(', ')}  (${skipped})`);
  if (stats.bySource) {
    printLine('  by source');
    const width = Math.max(...Object.keys(stats.bySource).map((k) => k.length), 6);
    for (const [source, v] of Object.entries(stats.bySource)) {
      printLine(`    ${source.padEnd(width)}  ${String(v.images).padStart(6)} ${plural(v.images, 'image').padEnd(6)}  ${String(v.regions).padStart(7)} ${plural(v.regions, 'region').padEnd(7)}  ${String(v.ignored).padStart(6)} don't care`);
    }
  }
}
