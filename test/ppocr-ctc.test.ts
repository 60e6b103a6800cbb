/**
 * CTC greedy decoding on hand-made probability rows, with PaddleOCR's dictionary conventions
 * (class 0 = blank, then the dictionary's lines, then ' ').
 */
import { describe, expect, it } from 'vitest';
import { charsetFromDictionary, ctcGreedyDecode, ctcGreedyDecodeBatch } from '../src/detectors/ppocr/index.js';

// Classes: 0 blank, 1 'a', 2 'b', 3 '中', 4 ' '.
const charset = charsetFromDictionary('a\nb\n中\n', true);

/** One probability row per step: the named class gets `p`, the rest share 1 − p. */
function steps(picks: Array<[cls: number, p: number]>, classes = 5): Float32Array {
  const out = new Float32Array(picks.length * classes);
  picks.forEach(([cls, p], t) => {
    for (let c = 0; c < classes; c++) out[t * classes + c] = c === cls ? p : (1 - p) / (classes - 1);
  });
  return out;
}

describe('charsetFromDictionary', () => {
  it('puts the blank first and the space last, one character per line', () => {
    expect(charset.characters).toEqual(['', 'a', 'b', '中', ' ']);
  });

  it('accepts CRLF line ends and a missing final newline; omits the space when asked', () => {
    expect(charsetFromDictionary('a\r\nb\r\nc', false).characters).toEqual(['', 'a', 'b', 'c']);
  });

  it('keeps a dictionary line that is itself a space', () => {
    expect(charsetFromDictionary('a\n \nb\n', false).characters).toEqual(['', 'a', ' ', 'b']);
  });
});

describe('ctcGreedyDecode', () => {
  it('collapses repeats, drops blanks, and keeps a repeat separated by a blank', () => {
    // a a _ a b ␣ _ 中 → "aab 中"; kept steps: a(0.9) a(0.7) b(0.8) ␣(0.6) 中(1.0) → mean 4.0 / 5 = 0.8.
    const probs = steps([
      [1, 0.9],
      [1, 0.5],
      [0, 0.9],
      [1, 0.7],
      [2, 0.8],
      [4, 0.6],
      [0, 0.99],
      [3, 1.0],
    ]);
    const result = ctcGreedyDecode(probs, 8, 5, charset);
    expect(result.text).toBe('aab 中');
    expect(result.confidence).toBeCloseTo(0.8, 6);
  });

  it('reads nothing with confidence 0 from all-blank steps', () => {
    expect(ctcGreedyDecode(steps([[0, 0.9], [0, 0.8]]), 2, 5, charset)).toEqual({ text: '', confidence: 0 });
  });

  it('decodes each sequence of a batch from its own offset', () => {
    const first = steps([[1, 0.9], [0, 0.9], [2, 0.9]]);
    const second = steps([[3, 0.6], [3, 0.6], [0, 0.9]]);
    const batch = new Float32Array([...first, ...second]);
    const results = ctcGreedyDecodeBatch(batch, [2, 3, 5], charset);
    expect(results.map((r) => r.text)).toEqual(['ab', '中']);
    expect(results[1].confidence).toBeCloseTo(0.6, 6);
  });
});
