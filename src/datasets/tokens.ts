/**
 * How many tokens an answer costs, estimated without the model's tokenizer (ocrdet ships none).
 *
 * The estimate follows how the two tokenizer families behind the supported models cut text:
 * 1. Special tokens cost 1 each: the grounding tags are added tokens in every supported model
 *    (`<ref>`, `</ref>`, `<box>`, `</box>`, `<quad>` in InternVL and Qwen-VL; `<|object_ref_start|>`,
 *    `<|box_start|>`, … in Qwen2/2.5/3-VL; `<|ref|>`, `<|det|>` in DeepSeek-VL2; `<loc_N>` in Florence-2;
 *    `<locNNNN>`, `<segNNN>` in PaliGemma).
 * 2. The rest is split the way Qwen2's byte-level BPE pre-tokenizer splits it (the regex of Qwen2's
 *    tokenizer.json, as ggml-org/llama.cpp src/llama-vocab.cpp lists it for tokenizer_pre::QWEN2): letter
 *    runs, SINGLE digits, punctuation runs, whitespace. InternLM2 (InternVL2-8B's LLM) also splits digits
 *    one by one.
 * 3. Per piece: a digit, a whitespace run or a CJK character costs 1; a run of other letters ceil(n / 4)
 *    (the usual ~4 characters per token of English BPE; ceil(n / 2) for irregular mixed case such as
 *    product codes); a punctuation run ceil(n / 2) (`[[`, `]]`, `, ` are single tokens, odd runs are not).
 * It over-estimates Chinese prose (common words are single tokens: 41 for 22 on a 40-character sentence)
 * and is close on OCR answers, whose labels are short: the budget errs on the safe side.
 * Checked against the real Qwen2/Qwen3 tokenizer (151,643-token vocabulary) on seed-test answers in every
 * dialect: test/convert-tokens.test.ts and test/fixtures/convert/qwen-token-counts.json.
 */

/** Added (special) tokens of the supported dialects: each is one token. */
const SPECIAL = /<\|[^|<>\s]{1,40}\|>|<\/?(?:ref|box|quad)>|<loc_?\d{1,4}>|<seg\d{1,3}>/g;

/** Qwen2's pre-tokenizer split (without the English contractions, which cost the same as letters here). */
const PIECE = /[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Han, kana, Hangul, CJK punctuation and full-width forms: about one token each in Qwen2's vocabulary. */
const CJK = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[\ud840-\ud87f][\udc00-\udfff]/gu;

const LETTERS_PER_TOKEN = 4;
const MIXED_CASE_PER_TOKEN = 2;
const PUNCTUATION_PER_TOKEN = 2;

function pieceTokens(piece: string): number {
  const first = piece.charCodeAt(0);
  if (piece.length === 1 && first >= 48 && first <= 57) return 1;
  if (/^\s+$/.test(piece)) return 1;
  if (/\p{L}/u.test(piece)) {
    const cjk = piece.match(CJK)?.length ?? 0;
    const other = piece.replace(CJK, '').replace(/^[^\p{L}]/u, '');
    // Words (lower case, Capitalised, ALL CAPS) merge well; codes like "KJjSszeXXaGRpXa" do not.
    const perToken = /^(?:\p{Lu}?\p{Ll}*|\p{Lu}+)$/u.test(other) ? LETTERS_PER_TOKEN : MIXED_CASE_PER_TOKEN;
    return cjk + Math.ceil(other.length / perToken);
  }
  return Math.ceil(piece.trim().length / PUNCTUATION_PER_TOKEN) || 1;
}

/** Estimated tokens of `text` (see the module comment for the rules and how they were checked). */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let plainStart = 0;
  const countPlain = (plain: string): void => {
    if (plain === '') return;
    for (const match of plain.matchAll(PIECE)) tokens += pieceTokens(match[0]);
  };
  for (const special of text.matchAll(SPECIAL)) {
    countPlain(text.slice(plainStart, special.index));
    tokens += 1;
    plainStart = special.index + special[0].length;
  }
  countPlain(text.slice(plainStart));
  return tokens;
}
