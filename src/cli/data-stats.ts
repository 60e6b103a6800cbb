/**
 * `ocrdet data stats DATASET [--format F] [--images DIR] [--no-probe] [--json]`: what a dataset holds.
 * A shell over `datasetStats()`: flags → typed options → stats → table or JSON (the README's contract).
 * Each problem is one line on stderr as it is found. Exit 0 when everything was read; 1 when something was
 * skipped (a file, record, region or image); 2 for usage errors.
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { DatasetStats, Distribution } from '../datasets/stats.js';
import { numberIn, parseFlags, printJson, printLine, warn } from './output.js';
import { count, plural } from '../core/plural.js';

/** The dataset formats a `--format` flag names (without loading the readers). */
export const FORMATS = ['voc-quad', 'icdar2015', 'ppocr', 'labelme', 'coco', 'results'] as const;

/** The flags that judge detections when the dataset is ocrdet's results (`--format results`). */
export const SCORE_FLAGS = {
  minScore: ['--min-score <score>', "results: a region whose detector score is under this is don't care (default 0.7)"],
  minTextScore: ['--min-text-score <score>', "results: a region whose text score is under this is don't care (default 0.5)"],
} as const;

const StatsFlagsSchema = z.object({
  dataset: z.string().min(1),
  format: z.enum(FORMATS).optional(),
  images: z.string().min(1).optional(),
  probe: z.boolean().default(true),
  minScore: z.number().optional(),
  minTextScore: z.number().optional(),
  json: z.boolean().default(false),
});
type StatsFlags = z.infer<typeof StatsFlagsSchema>;

export function createCommand(): Command {
  return new Command('stats')
    .description('what a dataset holds: images, regions, sizes, texts, and the problems found reading it')
    .argument('<dataset>', "a dataset folder or annotation file (voc-quad, icdar2015, ppocr, labelme, coco), or ocrdet's results JSONL")
    .option('--format <format>', `dataset format: ${FORMATS.join(', ')} (default: detected from the path)`)
    .option('--images <dir>', 'where the images are, when not where the format says (by relative path, then by name)')
    .option('--no-probe', 'do not read image headers (sizes then come from the annotations only)')
    .option(SCORE_FLAGS.minScore[0], SCORE_FLAGS.minScore[1], numberIn('--min-score', 0, 1))
    .option(SCORE_FLAGS.minTextScore[0], SCORE_FLAGS.minTextScore[1], numberIn('--min-text-score', 0, 1))
    .option('--json', 'print one JSON object (see README, "ocrdet data stats --json")')
    .action(async (dataset: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(StatsFlagsSchema, { ...raw, dataset }, 'ocrdet data stats', ['dataset']);
      process.exitCode = await runStats(flags);
    });
}

async function runStats(flags: StatsFlags): Promise<number> {
  const [{ datasetStats }, { formatProblem }] = await Promise.all([import('../datasets/index.js'), import('../datasets/problems.js')]);
  const stats = await datasetStats(flags.dataset, {
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
