/**
 * A tolerant reader for JSON grounding answers (Qwen2.5-VL, Qwen3-VL):
 * `[{"bbox_2d": [x1, y1, x2, y2], "label": "…"}, …]`, usually inside a ```json fence.
 *
 * JSON.parse is not used: real answers carry trailing commas, missing commas between objects (the
 * ms-swift docs' own example), full-width digits, a last object cut by max tokens, or prose around them.
 * Instead every `{…}` object is located with a small scanner that respects string literals, and its
 * `bbox_2d` and label are read from it.
 */
import type { ImageSize } from '../core/types.js';
import { scanNumbers } from './numbers.js';
import { gridBox, type AnswerItem } from './answer-items.js';
import { snippetOf, type Candidate } from './candidates.js';
import type { Layout } from './grids.js';

interface Span {
  start: number;
  end: number;
  closed: boolean;
}

/** Every object's span (nested ones too), in order of their opening brace; unclosed ones run to the end. */
function objectSpans(text: string): Span[] {
  const spans: Span[] = [];
  const stack: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '\uFF5B') {
      stack.push(i);
    } else if ((c === '}' || c === '\uFF5D') && stack.length > 0) {
      spans.push({ start: stack.pop()!, end: i + 1, closed: true });
    }
  }
  for (const start of stack) spans.push({ start, end: text.length, closed: false });
  return spans.sort((a, b) => a.start - b.start);
}

const BOX_KEY = /["“]?(?:bbox_2d|bbox)["”]?\s*[:：]\s*([[［][^\]］]*(?:[\]］]|$))/;
const POINT_KEY = /"point_2d"\s*[:：]/;
const LABEL_KEY = /"(label|text_content|text|content|name)"\s*[:：]\s*"((?:[^"\\]|\\.)*)("?)/;

function decodeString(literal: string): string {
  try {
    return JSON.parse(`"${literal}"`) as string;
  } catch {
    return literal;
  }
}

export interface JsonScan {
  candidates: Candidate[];
  warnings: string[];
}

/** The boxes of every object holding a `bbox_2d` (innermost objects only). */
export function scanJsonBoxes(answer: string): JsonScan {
  const spans = objectSpans(answer);
  const candidates: Candidate[] = [];
  const warnings: string[] = [];
  for (const span of spans) {
    const body = answer.slice(span.start, span.end);
    // An object that contains another object is a wrapper ({"objects": [...]}); its members are read instead.
    if (spans.some((s) => s !== span && s.start > span.start && s.end <= span.end)) continue;
    const box = BOX_KEY.exec(body);
    if (!box) {
      if (POINT_KEY.test(body)) warnings.push(`object at character ${span.start}: a point (point_2d), not a box, ignored`);
      continue;
    }
    const label = LABEL_KEY.exec(body);
    candidates.push({
      index: 0,
      at: span.start,
      numbers: scanNumbers(box[1]),
      text: label ? decodeString(label[2]) : undefined,
      snippet: snippetOf(box[1]),
      truncated: !span.closed,
    });
  }
  return { candidates, warnings };
}

/**
 * The JSON answer as the Qwen cookbooks show it: a ```json fence around an array, one object per line,
 * indented with a tab (QwenLM/Qwen3-VL cookbooks/spatial_understanding.ipynb, point answers; ms-swift
 * Custom-dataset.md's QWENVL_BBOX_FORMAT=new example). Texts are written as JSON strings, non-ASCII kept.
 */
export function formatJsonBoxes(items: readonly AnswerItem[], layout: Layout, size: ImageSize, labelKey: string): string {
  const lines = items.map((item) => {
    const box = gridBox(item.box, layout, size).join(', ');
    return `\t{"bbox_2d": [${box}], ${JSON.stringify(labelKey)}: ${JSON.stringify(item.label)}}`;
  });
  return lines.length === 0 ? '```json\n[]\n```' : `\`\`\`json\n[\n${lines.join(',\n')}\n]\n\`\`\``;
}
