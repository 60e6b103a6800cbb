/**
 * The counters of one conversion, filled while streaming and turned into the ConvertReport at the end.
 * Every problem passes through here: it is counted by kind and handed to the caller's `onProblem`.
 */
import { DROP_REASONS, IMAGE_SKIP_REASONS, LISTED_IMAGES, ValueCounts, type ConvertReport, type DropReason, type ImageSkipReason, type OverBudgetImage } from './convert-report.js';
import type { ConvertProblem, ConvertSettings } from './convert-options.js';
import type { AnswerTarget } from './convert-target.js';

/** Answer-token histogram bounds: powers of two up to the usual context sizes. */
const TOKEN_BINS = [128, 256, 512, 1024, 2048, 4096, 8192];

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class ConvertTally {
  readonly dropped = zeros(DROP_REASONS);
  readonly imagesSkipped = zeros(IMAGE_SKIP_REASONS);
  private readonly skippedList: string[] = [];
  readonly regionsPerSample = new ValueCounts();
  readonly answerTokens = new ValueCounts();
  /** Whole rows: prompt, answer and image tokens (the data record keeps them row by row). */
  readonly rowTokens = new ValueCounts();
  readonly overBudget: OverBudgetImage[] = [];
  overBudgetCount = { total: 0, cropped: 0, skipped: 0, uncroppable: 0 };
  imagesRead = 0;
  regionsRead = 0;
  regionsInAnswers = 0;
  clipped = 0;
  withoutText = 0;
  cutByCrops = 0;
  samplesFromCrops = 0;
  uprightCopies = 0;
  copiedImages = 0;
  private readonly problemsByKind: Record<string, number> = {};
  problems = 0;
  problemsSkipped = 0;

  constructor(private readonly onProblem?: (problem: ConvertProblem) => void) {}

  /** Counts a problem and passes it on. Notes are passed on but not counted. */
  problem(problem: ConvertProblem): void {
    if (problem.kind !== 'note') {
      this.problems++;
      this.problemsByKind[problem.kind] = (this.problemsByKind[problem.kind] ?? 0) + 1;
      if (problem.skipped) this.problemsSkipped++;
    }
    this.onProblem?.(problem);
  }

  drop(reason: DropReason, count = 1): void {
    this.dropped[reason] += count;
  }

  skipImage(reason: ImageSkipReason, image: string): void {
    this.imagesSkipped[reason]++;
    if (this.skippedList.length < LISTED_IMAGES) this.skippedList.push(image);
  }

  overBudgetImage(entry: OverBudgetImage): void {
    this.overBudgetCount.total++;
    this.overBudgetCount[entry.outcome]++;
    if (this.overBudget.length < LISTED_IMAGES) this.overBudget.push(entry);
  }

  sample(regions: number, tokens: number | undefined): void {
    this.regionsPerSample.add(regions);
    this.regionsInAnswers += regions;
    if (tokens !== undefined) this.answerTokens.add(tokens);
  }

  report(settings: ConvertSettings, extra: Pick<ConvertReport, 'dataset' | 'format' | 'out' | 'files' | 'written' | 'elapsedMs'> & {
    images: { train: number; val: number };
    samples: { train: number; val: number };
    /** Answer formats: what the rows are written for. */
    target?: AnswerTarget;
  }): ConvertReport {
    const { target } = extra;
    const llm = target !== undefined;
    return {
      dataset: extra.dataset,
      format: extra.format,
      out: extra.out,
      to: settings.to,
      ...(target ? { dialect: target.dialect.name, family: target.family.name, answer: settings.answer } : {}),
      ...(settings.to === 'swift' ? { swiftVersion: settings.swiftVersion === 2 ? 2 : 3 } : {}),
      task: settings.task,
      ...(target ? { prompt: target.prompt } : {}),
      ...(target?.system !== undefined ? { system: target.system } : {}),
      ...(target ? { image: target.image } : {}),
      paths: settings.paths,
      split: { ratio: settings.split, seed: settings.seed, by: settings.splitBy },
      files: extra.files,
      images: {
        read: this.imagesRead,
        written: extra.images.train + extra.images.val,
        train: extra.images.train,
        val: extra.images.val,
        skipped: this.imagesSkipped,
        skippedList: this.skippedList,
      },
      samples: { total: extra.samples.train + extra.samples.val, train: extra.samples.train, val: extra.samples.val, fromCrops: this.samplesFromCrops },
      regions: {
        read: this.regionsRead,
        inAnswers: this.regionsInAnswers,
        dropped: this.dropped,
        clipped: this.clipped,
        withoutText: this.withoutText,
        cutByCrops: this.cutByCrops,
      },
      regionsPerSample: this.regionsPerSample.result(),
      ...(llm ? { answerTokens: { ...this.answerTokens.result(), histogram: this.answerTokens.histogram(TOKEN_BINS) } } : {}),
      ...(llm ? { rowTokens: this.rowTokens.result() } : {}),
      ...(llm
        ? {
            budget: {
              maxAnswerTokens: settings.maxAnswerTokens,
              overflow: settings.overflow,
              overBudget: this.overBudgetCount.total,
              cropped: this.overBudgetCount.cropped,
              skipped: this.overBudgetCount.skipped,
              uncroppable: this.overBudgetCount.uncroppable,
              images: this.overBudget,
            },
          }
        : {}),
      uprightCopies: this.uprightCopies,
      copiedImages: this.copiedImages,
      problems: { total: this.problems, skipped: this.problemsSkipped, byKind: this.problemsByKind },
      strict: settings.strict,
      written: extra.written,
      elapsedMs: extra.elapsedMs,
    };
  }
}
