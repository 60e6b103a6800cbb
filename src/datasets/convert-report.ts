/**
 * What `ocrdet data convert` did, as report.json (a stable shape, documented in the README) and report.md
 * (the same for a person). Collected while streaming: distributions are exact, from counts per distinct
 * value (a few thousand distinct token counts at most), never from lists of samples; the images named in
 * the report are capped at LISTED_IMAGES.
 */
import type { ImageRule } from '../grounding/image-rules.js';
import type { Distribution } from './stats.js';
import { count } from '../core/plural.js';

/** Why a region of the dataset is not in any answer. */
export const DROP_REASONS = ['dont-care', 'degenerate', 'out-of-image', 'duplicate', 'unreadable-image', 'over-budget', 'bad-record'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Why an image produced no sample. */
export const IMAGE_SKIP_REASONS = ['unreadable-image', 'no-care-regions', 'over-budget', 'duplicate'] as const;
export type ImageSkipReason = (typeof IMAGE_SKIP_REASONS)[number];

/** Images named in the report (over budget, skipped); the counts are always complete. */
export const LISTED_IMAGES = 200;

export interface ExactDistribution extends Distribution {
  p90: number;
  p99: number;
}

/** Counts per distinct integer value: exact quantiles in memory bounded by the number of distinct values. */
export class ValueCounts {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.total++;
    this.sum += value;
  }

  /** How many values are ≤ each bound, and above the last. */
  histogram(bounds: readonly number[]): { upTo: number | null; count: number }[] {
    const bins = [...bounds.map((upTo) => ({ upTo: upTo as number | null, count: 0 })), { upTo: null, count: 0 }];
    for (const [value, count] of this.counts) {
      const bin = bins.find((b) => b.upTo === null || value <= b.upTo)!;
      bin.count += count;
    }
    return bins;
  }

  result(): ExactDistribution {
    if (this.total === 0) return { count: 0, min: 0, median: 0, max: 0, mean: 0, p90: 0, p99: 0 };
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    const quantile = (q: number): number => {
      const rank = Math.max(1, Math.ceil(q * this.total));
      let seen = 0;
      for (const value of values) {
        seen += this.counts.get(value)!;
        if (seen >= rank) return value;
      }
      return values[values.length - 1];
    };
    return {
      count: this.total,
      min: values[0],
      median: quantile(0.5),
      max: values[values.length - 1],
      mean: Math.round((this.sum / this.total) * 100) / 100,
      p90: quantile(0.9),
      p99: quantile(0.99),
    };
  }
}

export interface OverBudgetImage {
  image: string;
  /** Estimated tokens of the whole image's answer. */
  tokens: number;
  /** What happened: cut into n crops, skipped, or could not be cut to fit (skipped). */
  outcome: 'cropped' | 'skipped' | 'uncroppable';
  crops?: number;
}

export interface ConvertReport {
  dataset: string;
  format: string;
  out: string;
  to: string;
  dialect?: string;
  /** The model family the rows are for (src/grounding/families.ts). */
  family?: string;
  answer?: 'native' | 'objects';
  swiftVersion?: 2 | 3;
  task: string;
  prompt?: string;
  system?: string;
  /** How the model sees the images, with the settings the answers and token counts were computed for. */
  image?: ImageRule;
  paths: 'abs' | 'rel';
  split: { ratio: number; seed: number; by: 'image' | 'source' };
  /** Output files, relative to `out`. */
  files: Record<string, string>;
  images: { read: number; written: number; train: number; val: number; skipped: Record<ImageSkipReason, number>; skippedList: string[] };
  samples: { total: number; train: number; val: number; fromCrops: number };
  regions: {
    read: number;
    /** Care regions in answers, once per sample holding them (a region in two overlapping crops counts twice). */
    inAnswers: number;
    dropped: Record<DropReason, number>;
    /** Regions partly outside their image, clipped to it in the answer. */
    clipped: number;
    /** Text-task regions without a transcription (labelled "text"). */
    withoutText: number;
    /** Regions no crop held half of, kept in the crop holding most of them. */
    cutByCrops: number;
  };
  regionsPerSample: ExactDistribution;
  /** LLM formats only: estimated tokens of whole rows — prompt, answer and image tokens (the data record has each row's). */
  rowTokens?: ExactDistribution;
  /** LLM formats only: estimated answer tokens per sample written (src/datasets/tokens.ts). */
  answerTokens?: ExactDistribution & { histogram: { upTo: number | null; count: number }[] };
  budget?: { maxAnswerTokens: number; overflow: 'crop' | 'skip'; overBudget: number; cropped: number; skipped: number; uncroppable: number; images: OverBudgetImage[] };
  /** Images re-written upright (EXIF orientation the trainers would ignore) and copied with --copy-images. */
  uprightCopies: number;
  copiedImages: number;
  problems: { total: number; skipped: number; byKind: Record<string, number> };
  strict: boolean;
  /** False when --strict found problems: train/val were not written. */
  written: boolean;
  elapsedMs: number;
}

const cell = (value: unknown): string => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function distributionRow(label: string, d: ExactDistribution): string {
  return d.count === 0 ? `| ${label} | — |` : `| ${label} | min ${d.min} · median ${d.median} · p90 ${d.p90} · p99 ${d.p99} · max ${d.max} · mean ${d.mean} |`;
}

/** report.md: the report for a person. */
export function renderReportMarkdown(r: ConvertReport): string {
  const lines = [
    `# Conversion report`,
    '',
    `\`${cell(r.dataset)}\` (${r.format}) → \`${cell(r.out)}\` as **${r.to}**${r.dialect ? `, dialect **${r.dialect}**` : ''}${r.answer ? `, answers ${r.answer}` : ''}${r.swiftVersion ? `, ms-swift ${r.swiftVersion === 2 ? '2.x' : '3.x/4.x'} rows` : ''}, task ${r.task}.`,
    r.written ? '' : `\n**--strict: problems were found, train/val were NOT written.**\n`,
    '| | train | val | total |',
    '|---|---|---|---|',
    `| images | ${r.images.train} | ${r.images.val} | ${r.images.written} |`,
    `| samples | ${r.samples.train} | ${r.samples.val} | ${r.samples.total} |`,
    '',
    `Split ${r.split.ratio} by ${r.split.by}, seed ${r.split.seed}. Files: ${Object.values(r.files).map((f) => `\`${cell(f)}\``).join(', ')}.`,
    '',
    '## Regions',
    '',
    '| | count |',
    '|---|---|',
    `| read | ${r.regions.read} |`,
    ...(r.dialect === undefined
      ? // ICDAR / COCO write don't-care regions too (### / iscrowd); only answers leave them out.
        [`| written, care | ${r.regions.inAnswers} |`, `| written, don't care | ${r.regions.dropped['dont-care']} |`]
      : [`| in answers | ${r.regions.inAnswers} |`]),
    ...Object.entries(r.regions.dropped)
      .filter(([reason]) => !(r.dialect === undefined && reason === 'dont-care'))
      .map(([reason, n]) => `| dropped: ${reason} | ${n} |`),
    `| clipped to the image | ${r.regions.clipped} |`,
    `| without transcription | ${r.regions.withoutText} |`,
    `| cut by crops | ${r.regions.cutByCrops} |`,
    '',
    '| distribution | |',
    '|---|---|',
    distributionRow('regions per sample', r.regionsPerSample),
    ...(r.answerTokens ? [distributionRow('answer tokens (estimated)', r.answerTokens)] : []),
    '',
    '## Images',
    '',
    `Read ${r.images.read}, written ${r.images.written}; skipped: ${Object.entries(r.images.skipped).map(([k, n]) => `${k} ${n}`).join(', ')}.` +
      ` Upright copies ${r.uprightCopies}, copied ${r.copiedImages}.`,
    ...r.images.skippedList.map((image) => `- skipped: \`${cell(image)}\``),
  ];
  if (r.answerTokens) {
    lines.push('', '## Answer length (estimated tokens)', '', '| up to | samples |', '|---|---|');
    for (const bin of r.answerTokens.histogram) lines.push(`| ${bin.upTo ?? 'more'} | ${bin.count} |`);
  }
  if (r.budget) {
    const b = r.budget;
    lines.push('', '## Budget', '', `--max-answer-tokens ${b.maxAnswerTokens}, --overflow ${b.overflow}: ${count(b.overBudget, 'image')} over budget (${b.cropped} cut into crops, ${b.skipped} skipped, ${b.uncroppable} could not be cut to fit).`);
    for (const image of b.images) lines.push(`- \`${cell(image.image)}\`: ${image.tokens} tokens, ${image.outcome}${image.crops ? ` into ${count(image.crops, 'crop')}` : ''}`);
  }
  lines.push('', '## Problems', '', `${r.problems.total} (${r.problems.skipped} left something out): ${Object.entries(r.problems.byKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}.`, '');
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}
