/** Types of ./truth-double.js (a protocol double that answers about known images; see that file). */
import type { DoubleOptions, DoubleRequest, OpenAiDouble } from './openai-double.js';

export interface TruthDoubleOptions extends Omit<DoubleOptions, 'answer'> {
  /** The images the double knows, each with the key its answers are asked for. */
  images: { key: string; image: string | Buffer }[];
  /** The answer for the known image `key`; `request.image` has the size that was sent. */
  answer: (key: string, request: DoubleRequest) => string | Promise<string>;
}

export interface TruthDouble extends OpenAiDouble {
  /** The key of the known image nearest to `bytes`. */
  recognise(bytes: Buffer): Promise<string>;
}

export function fingerprint(input: string | Buffer): Promise<Buffer>;
export function startTruthDouble(options: TruthDoubleOptions): Promise<TruthDouble>;
