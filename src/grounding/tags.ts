/**
 * A tolerant scanner for the tag dialects (InternVL, Qwen-VL, Qwen2-VL, DeepSeek-VL2): finds the boxes of
 * an answer with the label each belongs to, however broken the answer is. Tags may carry spaces inside
 * (ms-swift 2.x wrote `<box> [[..]] </box>`), a closing tag may be missing (the answer was cut, or the
 * model opened the next one), and when a server decoded with skip_special_tokens the tags are gone
 * altogether (`car[[75, 658, 250, 871]]`, InternVL issue #953).
 */
import { asciiCoordinates, scanNumbers } from './numbers.js';
import type { ImageSize } from '../core/types.js';
import { finishParse, snippetOf, unusableSize, withScale, type Candidate } from './candidates.js';
import type { Layout } from './grids.js';
import type { ParseOptions, ParseResult } from './types.js';

export interface TagSyntax {
  /** Regex sources of the opening and closing tags. */
  ref: [open: string, close: string];
  box: [open: string, close: string];
  /** Qwen-VL's <quad> / Qwen2-VL's <|quad_start|>: four corners in one tag. */
  quad?: [open: string, close: string];
  /** `[[x1, y1, x2, y2], …]` (InternVL, DeepSeek-VL2) or `(x1,y1),(x2,y2)` (Qwen). */
  body: 'brackets' | 'parens';
  /** Read bare `label[[…]]` when no box tag is present at all (tags stripped by the decoder). */
  strippedFallback?: boolean;
}

type TokenKind = 'refOpen' | 'refClose' | 'boxOpen' | 'boxClose' | 'quadOpen' | 'quadClose';

function tokenRegex(syntax: TagSyntax): { regex: RegExp; kinds: TokenKind[] } {
  const parts: [TokenKind, string][] = [
    ['refOpen', syntax.ref[0]],
    ['refClose', syntax.ref[1]],
    ['boxOpen', syntax.box[0]],
    ['boxClose', syntax.box[1]],
  ];
  if (syntax.quad) parts.push(['quadOpen', syntax.quad[0]], ['quadClose', syntax.quad[1]]);
  return { regex: new RegExp(parts.map(([, source]) => `(${source})`).join('|'), 'g'), kinds: parts.map(([k]) => k) };
}

interface BracketGroup {
  numbers: number[];
  raw: string;
  /** The closing ']' is missing (the body ended first). */
  open: boolean;
}

/**
 * `[[a, b, c, d], [e, f, g, h]]` → one number list per innermost bracket. `stray` holds numbers outside
 * any bracket (DeepSeek-VL2 issue #96: `[245,[234,543,542,244]]`). A body without brackets is one group.
 */
function bracketGroups(body: string): { groups: BracketGroup[]; stray: number[] } {
  const text = asciiCoordinates(body);
  const groups: BracketGroup[] = [];
  const inner = /\[([^[\]]*)(\]|$)/g;
  for (let m = inner.exec(text); m; m = inner.exec(text)) {
    if (m[0].length === 0) {
      inner.lastIndex++;
      continue;
    }
    groups.push({ numbers: scanNumbers(m[1]), raw: m[0], open: m[2] !== ']' });
  }
  if (groups.length === 0) {
    const numbers = scanNumbers(text);
    return { groups: numbers.length > 0 ? [{ numbers, raw: text, open: false }] : [], stray: [] };
  }
  return { groups, stray: scanNumbers(text.replace(/\[[^[\]]*(\]|$)/g, ' ')) };
}

export interface TagScan {
  candidates: Candidate[];
  warnings: string[];
}

/** Label and box bodies in answer order; see the file comment for what is tolerated. */
export function scanTagged(answer: string, syntax: TagSyntax): TagScan {
  const { regex, kinds } = tokenRegex(syntax);
  const candidates: Candidate[] = [];
  const warnings: string[] = [];
  let label: string | undefined;
  let open: { kind: 'ref' | 'box' | 'quad'; start: number } | undefined;
  let sawBox = false;

  const emitBody = (kind: 'box' | 'quad', start: number, end: number, truncated: boolean) => {
    const body = answer.slice(start, end);
    if (kind === 'quad' || syntax.body === 'parens') {
      candidates.push({ index: 0, at: start, numbers: scanNumbers(body), text: label, snippet: snippetOf(body), truncated, shape: kind });
      return;
    }
    const { groups, stray } = bracketGroups(body);
    if (groups.length === 0) {
      candidates.push({ index: 0, at: start, numbers: [], text: label, snippet: snippetOf(body), truncated });
      return;
    }
    if (stray.length > 0) {
      warnings.push(`box ${candidates.length + 1}: number(s) ${stray.join(', ')} outside any [..], ignored`);
    }
    groups.forEach((g, i) => {
      candidates.push({
        index: 0,
        at: start + i,
        numbers: g.numbers,
        text: label,
        snippet: snippetOf(g.raw),
        truncated: truncated && i === groups.length - 1,
      });
    });
  };

  for (let m = regex.exec(answer); m; m = regex.exec(answer)) {
    const kind = kinds[m.slice(1).findIndex((g) => g !== undefined)];
    const here = m.index;
    // An opening tag while a box is still open: the box ended without its closing tag.
    if (open && open.kind !== 'ref' && (kind === 'refOpen' || kind === 'boxOpen' || kind === 'quadOpen')) {
      emitBody(open.kind, open.start, here, false);
      open = undefined;
    }
    if (kind === 'refOpen') {
      open = { kind: 'ref', start: here + m[0].length };
      label = undefined;
    } else if (kind === 'refClose' && open?.kind === 'ref') {
      label = answer.slice(open.start, here).trim();
      open = undefined;
    } else if (kind === 'boxOpen' || kind === 'quadOpen') {
      if (open?.kind === 'ref') label = answer.slice(open.start, here).trim();
      open = { kind: kind === 'boxOpen' ? 'box' : 'quad', start: here + m[0].length };
      sawBox = true;
    } else if ((kind === 'boxClose' || kind === 'quadClose') && open && open.kind !== 'ref') {
      emitBody(open.kind, open.start, here, false);
      open = undefined;
    }
  }
  if (open && open.kind !== 'ref') emitBody(open.kind, open.start, answer.length, true);
  if (!sawBox && syntax.strippedFallback) return scanStripped(answer, regex);
  return { candidates: candidates.map((c, i) => ({ ...c, index: i + 1 })), warnings };
}

/**
 * Tags stripped by the decoder: `label[[x1, y1, x2, y2], …]` per line. The label is what stands between
 * the previous box list and this one, on the same line.
 */
function scanStripped(answer: string, tokens: RegExp): TagScan {
  const text = asciiCoordinates(answer);
  const candidates: Candidate[] = [];
  const starts: number[] = [];
  for (let i = text.indexOf('[['); i >= 0; i = text.indexOf('[[', i + 2)) starts.push(i);
  let previousEnd = 0;
  starts.forEach((start, n) => {
    if (start < previousEnd) return;
    const close = text.indexOf(']]', start);
    const limit = n + 1 < starts.length ? starts[n + 1] : text.length;
    const truncated = close < 0 || close > limit;
    const end = truncated ? limit : close + 2;
    const before = answer.slice(previousEnd, start).replace(tokens, ' ');
    const line = before.split('\n').pop() ?? '';
    const label = line.replace(/^[\s,;:.*\-]+|[\s,;:]+$/g, '');
    for (const g of bracketGroups(text.slice(start, end)).groups) {
      candidates.push({
        index: 0,
        at: start,
        numbers: g.numbers,
        text: label || undefined,
        snippet: snippetOf(g.raw),
        truncated: truncated && end === text.length && g.open,
      });
    }
    previousEnd = end;
  });
  return { candidates: candidates.map((c, i) => ({ ...c, index: i + 1 })), warnings: [] };
}

/** The `parse` of a dialect whose answers are tagged text: scan the tags, then map the numbers through `layout`. */
export function taggedParser(syntax: TagSyntax, layout: Layout): (answer: string, size: ImageSize, options?: ParseOptions) => ParseResult {
  return (answer, size, options = {}) => {
    const bad = unusableSize(size);
    if (bad) return bad;
    const scan = scanTagged(String(answer ?? ''), syntax);
    return finishParse(scan.candidates, withScale(layout, options.coordinateScale), size, scan.warnings, options.duplicateIoU);
  };
}
