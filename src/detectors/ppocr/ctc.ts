/**
 * CTC greedy decoding of the recognition model's output, with PaddleOCR's dictionary conventions
 * (PaddlePaddle/PaddleOCR ppocr/postprocess/rec_postprocess.py, `CTCLabelDecode`): class 0 is the CTC
 * blank, classes 1..n are the dictionary's lines in order, then ' ' when `use_space_char` is on.
 * Per time step the most probable class is taken; repeats collapse, blanks drop; the confidence is the
 * mean of the kept steps' probabilities (0 when nothing is read).
 */

/** The classes of a CTC recogniser: index → character; index 0 is the blank (''). */
export interface CtcCharset {
  readonly characters: readonly string[];
}

/**
 * Builds the charset from a dictionary file's text: one character per line (a trailing newline does
 * not add an empty entry; '\r\n' line ends are accepted), plus ' ' when `useSpaceChar`.
 */
export function charsetFromDictionary(text: string, useSpaceChar: boolean): CtcCharset {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { characters: ['', ...lines, ...(useSpaceChar ? [' '] : [])] };
}

export interface CtcResult {
  text: string;
  /** Mean probability of the decoded characters, 0..1 (0 for an empty text). */
  confidence: number;
}

/**
 * Decodes one sequence: `probs` holds `steps × classes` probabilities (softmax output), row-major,
 * starting at `offset`.
 */
export function ctcGreedyDecode(probs: Float32Array, steps: number, classes: number, charset: CtcCharset, offset = 0): CtcResult {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let bestProb = probs[row];
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c];
      if (p > bestProb) {
        bestProb = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += charset.characters[best] ?? '';
      sum += bestProb;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept > 0 ? sum / kept : 0 };
}

/** Decodes a batch: `probs` is `batch × steps × classes`. */
export function ctcGreedyDecodeBatch(probs: Float32Array, dims: readonly number[], charset: CtcCharset): CtcResult[] {
  const [batch, steps, classes] = dims;
  const results: CtcResult[] = [];
  for (let b = 0; b < batch; b++) results.push(ctcGreedyDecode(probs, steps, classes, charset, b * steps * classes));
  return results;
}
