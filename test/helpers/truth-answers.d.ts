/** Types of ./truth-answers.js (a right model's answers about a dataset, and the same with injected errors). */
import type { Box, ImageSize, Sample } from '../../src/core/types.js';
import type { GroundingDialect } from '../../src/grounding/types.js';

export type AnswerKind = 'right' | 'shifted' | 'invented';
export interface AnswerBox {
  box: Box;
  text: string;
  kind: AnswerKind;
}

export interface AnswerTools {
  seededRandom(seed: number): () => number;
  boxIoU(a: Box, b: Box): number;
}

export function exactBoxes(sample: Sample): AnswerBox[];
export function injectedBoxes(sample: Sample, seed: number, tools: AnswerTools): { boxes: AnswerBox[]; dropped: number; rate: number };
export function answerText(dialect: Pick<GroundingDialect, 'format'>, boxes: readonly AnswerBox[], original: ImageSize, sent: ImageSize): string;
