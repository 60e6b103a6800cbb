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

/** Added (special) tokens of the supported dialects: each is one token. Tried (sticky) at each '<'. */
const SPECIAL = /<\|[^|<>\s]{1,40}\|>|<\/?(?:ref|box|quad)>|<loc_?\d{1,4}>|<seg\d{1,3}>/y;
const LESS_THAN = 60;

/** Length of the special token starting at `i` (a '<'), or 0. The common tags are matched by hand. */
function specialAt(text: string, i: number): number {
  const next = text.charCodeAt(i + 1);
  // <ref> <box> </ref> </box>: the tags of every InternVL / Qwen-VL answer, several per region.
  const slash = next === 47 ? 1 : 0;
  const tag = text.substr(i + 1 + slash, 4);
  if (tag === 'ref>' || tag === 'box>') return 5 + slash;
  if (next !== 124 && next !== 47 && next !== 108 && next !== 115 && next !== 113) return 0; // | / l s q
  SPECIAL.lastIndex = i;
  return SPECIAL.test(text) ? SPECIAL.lastIndex - i : 0;
}

const LETTERS_PER_TOKEN = 4;
const MIXED_CASE_PER_TOKEN = 2;
const PUNCTUATION_PER_TOKEN = 2;

// Character classes, computed once per UTF-16 code unit from Unicode properties (a lookup table rather than
// regular expressions per piece: the estimate runs on every answer, tens of thousands a second).
const LETTER = 1;
const NUMBER = 2;
const SPACE = 4;
const NEWLINE = 8;
/** Han, kana, Hangul, CJK punctuation and full-width forms: about one token each in Qwen2's vocabulary. */
const CJK = 16;
const UPPER = 32;
const LOWER = 64;
const KNOWN = 128;

const classes = new Uint8Array(0x10000);

function classify(code: number): number {
  const char = String.fromCharCode(code);
  let c = KNOWN;
  if (/\p{L}/u.test(char)) c |= LETTER;
  if (/\p{Lu}/u.test(char)) c |= UPPER;
  if (/\p{Ll}/u.test(char)) c |= LOWER;
  if (/\p{N}/u.test(char)) c |= NUMBER;
  if (/\s/u.test(char)) c |= SPACE;
  if (code === 10 || code === 13) c |= NEWLINE;
  if ((code >= 0x2e80 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff00 && code <= 0xffef)) c |= CJK;
  return c;
}

/** The class of a UTF-16 code unit (a lone surrogate half counts as punctuation). */
function classOf(code: number): number {
  const c = classes[code];
  return c === 0 ? (classes[code] = classify(code)) : c;
}

/** Whether a surrogate pair starts at `i` (before `to`). */
function pairAt(text: string, i: number, to: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 0xd800 || code > 0xdbff || i + 1 >= to) return false;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}

/** The class of the character at `i`: a surrogate pair is a letter when its code point is one. */
function classAt(text: string, i: number, to: number): number {
  const code = text.charCodeAt(i);
  if (code < 0xd800 || code > 0xdfff) return classOf(code);
  if (!pairAt(text, i, to)) return classOf(code);
  return /\p{L}/u.test(String.fromCodePoint(text.codePointAt(i)!)) ? KNOWN | LETTER : KNOWN;
}

/** UTF-16 units of the character at `i`. */
const widthAt = (text: string, i: number, to: number): number => (pairAt(text, i, to) ? 2 : 1);

const isPunctuation = (c: number): boolean => (c & (LETTER | NUMBER | SPACE)) === 0;

/**
 * Tokens of a letter piece [start, end): its leading non-letter (if any) is free, CJK characters cost one
 * each, other letters one per LETTERS_PER_TOKEN when they read as a word (lower case, Capitalised, ALL
 * CAPS), one per MIXED_CASE_PER_TOKEN otherwise (codes such as "KJjSszeXXaGRpXa", caseless scripts).
 * Lengths are in UTF-16 units, as the estimate was calibrated.
 */
function letterPieceTokens(text: string, start: number, end: number): number {
  let cjk = 0;
  let other = 0;
  let allCaps = true;
  let word = true; // \p{Lu}?\p{Ll}* so far
  let i = start;
  const lead = classAt(text, i, end);
  if (!(lead & LETTER)) {
    // The leading non-letter is free, unless it is CJK punctuation ("，二次"), which costs its own token.
    if (lead & CJK) cjk++;
    i += widthAt(text, i, end);
  }
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      // An astral letter (CJK extensions, …): caseless, counted as its two units.
      const width = widthAt(text, i, end);
      other += width;
      allCaps = word = false;
      i += width;
      continue;
    }
    const c = classOf(code);
    if (c & CJK) cjk++;
    else {
      if (!(c & UPPER)) allCaps = false;
      if (!(c & LOWER || (c & UPPER && other === 0))) word = false;
      other++;
    }
    i++;
  }
  const perToken = word || allCaps ? LETTERS_PER_TOKEN : MIXED_CASE_PER_TOKEN;
  return cjk + Math.ceil(other / perToken);
}

/** End of the run of letters starting at `i`. */
function lettersEnd(text: string, i: number, to: number): number {
  while (i < to) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) {
      if (!(classOf(code) & LETTER)) return i;
      i++;
    } else {
      if (!(classAt(text, i, to) & LETTER)) return i;
      i += widthAt(text, i, to);
    }
  }
  return i;
}

/**
 * Tokens of text: special tokens one each; between them, cut as Qwen2's pre-tokenizer regex cuts it —
 * `[^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ' '?[^\s\p{L}\p{N}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+`,
 * tried in that order at each position — and priced per piece (module comment).
 */
function countTokens(text: string, from: number, to: number): number {
  let tokens = 0;
  let i = from;
  while (i < to) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      tokens++; // a digit: the most common piece of an answer
      i++;
      continue;
    }
    if (code === LESS_THAN) {
      const special = specialAt(text, i);
      if (special > 0) {
        tokens++;
        i += special;
        continue;
      }
    }
    const c = classAt(text, i, to);
    const width = code < 0xd800 || code > 0xdfff ? 1 : widthAt(text, i, to);
    if (c & LETTER) {
      const end = lettersEnd(text, i, to);
      tokens += letterPieceTokens(text, i, end);
      i = end;
      continue;
    }
    const next = i + width < to ? classAt(text, i + width, to) : 0;
    if (!(c & (NEWLINE | NUMBER)) && next & LETTER) {
      const end = lettersEnd(text, i + width, to);
      tokens += letterPieceTokens(text, i, end);
      i = end;
    } else if (c & NUMBER) {
      tokens++;
      i += width;
    } else if (isPunctuation(c) || (code === 32 && next !== 0 && isPunctuation(next))) {
      let k = isPunctuation(c) ? i : i + 1;
      const start = k;
      // A special token ends the run (pieces never span one) and is counted here.
      let special = 0;
      while (k < to && isPunctuation(classAt(text, k, to))) {
        if (text.charCodeAt(k) === LESS_THAN && (special = specialAt(text, k)) > 0) break;
        k += widthAt(text, k, to);
      }
      tokens += Math.ceil((k - start) / PUNCTUATION_PER_TOKEN) || 1;
      if (special > 0) {
        tokens++;
        i = k + special;
        continue;
      }
      while (k < to && classOf(text.charCodeAt(k)) & NEWLINE) k++;
      i = k;
    } else {
      // Whitespace: up to the run's last newline is one piece; else the run less its last character (which
      // joins what follows), or the whole run at the end of the text or before a special token; a lone
      // space before a digit is a piece.
      let end = i;
      let lastNewline = -1;
      while (end < to && classOf(text.charCodeAt(end)) & SPACE) {
        if (classOf(text.charCodeAt(end)) & NEWLINE) lastNewline = end;
        end++;
      }
      tokens++;
      const segmentEnds = end === to || (text.charCodeAt(end) === LESS_THAN && specialAt(text, end) > 0);
      if (lastNewline >= 0) i = lastNewline + 1;
      else if (segmentEnds || end - i === 1) i = end;
      else i = end - 1;
    }
  }
  return tokens;
}

/** Estimated tokens of `text` (see the module comment for the rules and how they were checked). */
export function estimateTokens(text: string): number {
  return countTokens(text, 0, text.length);
}
