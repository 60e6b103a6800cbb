/**
 * One dataset sample → the samples a conversion writes for it (none when it is skipped, one, or one per crop of
 * an image whose answer is over the token budget), with what the report and the data record need of each.
 * What the job knows is its kind: exchange formats (ICDAR, COCO) write regions, answer formats (ms-swift,
 * InternVL) write answers for a target (convert-target.ts).
 */
import { count } from '../core/plural.js';
import type { ImageSize, Region, Sample } from '../core/types.js';
import { modelView } from '../grounding/image-rules.js';
import type { RowTokens } from '../grounding/record.js';
import type { ConvertSettings } from './convert-options.js';
import { renderAnswer, sortRegions, type RenderedAnswer, type SortedRegions } from './convert-regions.js';
import type { AnswerTarget } from './convert-target.js';
import type { ConvertTally } from './convert-tally.js';
import type { ImageFiles } from './convert-images.js';
import { planCrops } from './crops.js';
import type { OutputSample, OutputWriter } from './writers/index.js';

interface JobBase {
  settings: Readonly<ConvertSettings>;
  writer: OutputWriter;
  files: ImageFiles;
  tally: ConvertTally;
}

/** ICDAR / COCO: regions as they are, don't-care ones included. */
export interface ExchangeJob extends JobBase {
  kind: 'exchange';
}

/** ms-swift / InternVL rows: an answer per sample, written for one target. */
export interface AnswerJob extends JobBase {
  kind: 'answers';
  target: AnswerTarget;
  /** Estimated tokens of everything in a row but its answer and image (the same for every row). */
  promptTokens: number;
}

export type ConvertJob = ExchangeJob | AnswerJob;

/** One sample as written, with its token counts (answer jobs). */
export interface Produced {
  sample: OutputSample;
  tokens?: RowTokens;
}

function reportDrops(job: ConvertJob, sample: Sample, sorted: SortedRegions): void {
  job.tally.drop('dont-care', sorted.ignored.length);
  for (const d of sorted.dropped) {
    job.tally.drop(d.reason);
    job.tally.problem({ kind: d.reason === 'duplicate' ? 'duplicate' : d.reason, file: sample.image, element: `region ${d.index}`, message: `${d.why}; left out`, skipped: true });
  }
  job.tally.clipped += sorted.clipped;
  job.tally.withoutText += sorted.withoutText;
}

function exchangeSample(job: ExchangeJob, image: string, size: ImageSize, sorted: SortedRegions): OutputSample {
  return { image: job.files.ref(image), size, care: sorted.care, ignored: sorted.ignored, task: job.settings.task };
}

function answerSample(job: AnswerJob, image: string, size: ImageSize, care: Region[], answer: RenderedAnswer): Produced {
  const { target } = job;
  const sample: OutputSample = {
    image: job.files.ref(image),
    size,
    care,
    ignored: [],
    task: job.settings.task,
    prompt: target.prompt,
    ...(target.system !== undefined ? { system: target.system } : {}),
    answer,
  };
  return { sample, tokens: { prompt: job.promptTokens, answer: answer.tokens, image: modelView(size, target.image).imageTokens } };
}

/** Crops of an over-budget image, or undefined (reported) when it is skipped. */
async function overflow(job: AnswerJob, sample: Sample, care: Region[], answer: RenderedAnswer, hash: number): Promise<Produced[] | undefined> {
  const { settings, tally, target } = job;
  const size = { width: sample.width, height: sample.height };
  const budget = settings.maxAnswerTokens;
  if (settings.overflow === 'skip') {
    tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'skipped' });
    tally.problem({ kind: 'over-budget', file: sample.image, message: `answer of ~${answer.tokens} tokens is over --max-answer-tokens ${budget}; image skipped (--overflow skip)`, skipped: true });
    return undefined;
  }
  const plan = planCrops(care, size, {
    fits: (regions, cropSize) => renderAnswer(regions, cropSize, target.style).tokens <= budget,
    minTiles: answer.tokens / budget,
  });
  if (!plan) {
    tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'uncroppable' });
    tally.problem({ kind: 'over-budget', file: sample.image, message: `answer of ~${answer.tokens} tokens is over --max-answer-tokens ${budget} and no layout of crops fits; image skipped`, skipped: true });
    return undefined;
  }
  const paths = await job.files.crops(sample.image, hash, plan.tiles.map((t) => t.rect));
  tally.overBudgetImage({ image: sample.image, tokens: answer.tokens, outcome: 'cropped', crops: plan.tiles.length });
  tally.cutByCrops += plan.cut;
  tally.samplesFromCrops += plan.tiles.length;
  return plan.tiles.map((tile, i) => {
    const cropSize = { width: tile.rect[2] - tile.rect[0], height: tile.rect[3] - tile.rect[1] };
    return answerSample(job, paths[i], cropSize, tile.regions, renderAnswer(tile.regions, cropSize, target.style));
  });
}

/** Counts a sample whose image is skipped (the reason is reported once, by the reader or here). */
export function skipImage(job: ConvertJob, sample: Sample, message?: string): void {
  job.tally.imagesRead++;
  job.tally.regionsRead += sample.regions.length;
  job.tally.drop('unreadable-image', sample.regions.length);
  job.tally.skipImage('unreadable-image', sample.image);
  if (message) job.tally.problem({ kind: 'unreadable-image', file: sample.image, message, skipped: true });
}

/**
 * The samples of one dataset sample, whose image file exists (the reader left out and reported those that
 * do not); none when it is skipped, with the reason reported.
 */
export async function produce(job: ConvertJob, sample: Sample, hash: number): Promise<Produced[]> {
  const { settings, tally } = job;
  if (!(sample.width > 0 && sample.height > 0)) {
    skipImage(job, sample, `image size unknown; image and its ${count(sample.regions.length, 'region')} skipped`);
    return [];
  }
  tally.imagesRead++;
  tally.regionsRead += sample.regions.length;
  const size = { width: sample.width, height: sample.height };
  const sorted = sortRegions(sample.regions, size, settings.task);
  reportDrops(job, sample, sorted);
  if (job.kind === 'answers' && sorted.care.length === 0 && !settings.keepEmpty) {
    tally.skipImage('no-care-regions', sample.image);
    return [];
  }
  let usable;
  try {
    usable = job.files.asIs() ? { path: sample.image, upright: false, copied: false } : await job.files.usable(sample.image, hash);
  } catch (error) {
    tally.drop('unreadable-image', sorted.care.length);
    tally.skipImage('unreadable-image', sample.image);
    tally.problem({ kind: 'unreadable-image', file: sample.image, message: `${(error as Error).message}; image skipped`, skipped: true });
    return [];
  }
  if (usable.upright) tally.uprightCopies++;
  if (usable.copied) tally.copiedImages++;
  if (job.kind === 'exchange') return [{ sample: exchangeSample(job, usable.path, size, sorted) }];
  const answer = renderAnswer(sorted.care, size, job.target.style);
  if (answer.tokens <= settings.maxAnswerTokens) return [answerSample(job, usable.path, size, sorted.care, answer)];
  try {
    const crops = await overflow(job, sample, sorted.care, answer, hash);
    if (crops) return crops;
  } catch (error) {
    tally.problem({ kind: 'unreadable-image', file: sample.image, message: `cannot write its crops (${(error as Error).message}); image skipped`, skipped: true });
  }
  tally.drop('over-budget', sorted.care.length);
  tally.skipImage('over-budget', sample.image);
  return [];
}
