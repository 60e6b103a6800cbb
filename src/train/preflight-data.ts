/**
 * Pre-flight of one ms-swift JSONL file: every line parses, has a row shape ms-swift reads (3.x/4.x
 * `messages`, 2.x `query`/`response`, or `conversations`; both versions read all three: ms-swift v2.4.2
 * docs/source_en/Instruction/Customization.md:59-91, v3.12.6 docs/source_en/Customization/Custom-dataset.md),
 * its images exist where ms-swift will look (relative paths are opened from the working directory), there
 * are at least as many images as `<image>` tags, and the answers are written in the recipe's dialect.
 * A bad line is one message with file and line number; the rest of the file is still checked.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DIALECT_MARKERS } from './presets.js';
import { count } from '../core/plural.js';

export interface DataReport {
  path: string;
  role: 'train' | 'val';
  rows: number;
  images: number;
  missingImages: number;
  /** Rows whose answer carries each dialect's marker. */
  dialects: Record<string, number>;
  problems: string[];
  warnings: string[];
}

export interface DataCheckOptions {
  cwd: string;
  dialect: string;
  role: 'train' | 'val';
  /** Problems listed per kind before the rest are only counted. Default 5. */
  maxListed?: number;
}

type Row = Record<string, unknown>;

interface RowText {
  prompts: string[];
  answer: string;
}

function textsOf(row: Row): RowText | undefined {
  if (Array.isArray(row.messages)) {
    const messages = row.messages as { role?: unknown; content?: unknown }[];
    const contents = messages.map((m) => (typeof m?.content === 'string' ? m.content : ''));
    const lastAssistant = messages.findLastIndex((m) => m?.role === 'assistant');
    if (lastAssistant < 0) return undefined;
    return { prompts: contents.filter((_, i) => i !== lastAssistant), answer: contents[lastAssistant] ?? '' };
  }
  if (Array.isArray(row.conversations)) {
    const turns = row.conversations as { from?: unknown; value?: unknown }[];
    const values = turns.map((t) => (typeof t?.value === 'string' ? t.value : ''));
    const lastAnswer = turns.findLastIndex((t) => t?.from === 'assistant' || t?.from === 'gpt');
    if (lastAnswer < 0) return undefined;
    return { prompts: values.filter((_, i) => i !== lastAnswer), answer: values[lastAnswer] ?? '' };
  }
  if (typeof row.query === 'string' && typeof row.response === 'string') {
    return { prompts: [row.query, typeof row.system === 'string' ? row.system : ''], answer: row.response };
  }
  return undefined;
}

function imagesOf(row: Row): string[] {
  const images = row.images ?? row.image;
  if (typeof images === 'string') return [images];
  if (Array.isArray(images)) return images.map((i) => (typeof i === 'string' ? i : typeof i?.path === 'string' ? (i.path as string) : '')).filter(Boolean);
  return [];
}

const isRemote = (path: string) => /^(https?:|data:)/i.test(path);

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Checks one file; never throws for what it finds in it. */
export async function checkDataFile(path: string, options: DataCheckOptions): Promise<DataReport> {
  const report: DataReport = { path, role: options.role, rows: 0, images: 0, missingImages: 0, dialects: {}, problems: [], warnings: [] };
  const maxListed = options.maxListed ?? 5;
  const counts = new Map<string, number>();
  const note = (kind: string, message: string) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    if (n <= maxListed) report.problems.push(message);
  };
  if (!(await exists(resolve(options.cwd, path)))) {
    report.problems.push(`${path}: no such file (write it with \`ocrdet data convert DATASET --to swift --dialect ${options.dialect} --out DIR\`)`);
    return report;
  }
  const lines = createInterface({ input: createReadStream(resolve(options.cwd, path)), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    const where = `${path}:${lineNumber}`;
    let row: Row;
    try {
      row = JSON.parse(line) as Row;
    } catch (error) {
      note('json', `${where}: not JSON (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    report.rows++;
    const texts = row && typeof row === 'object' ? textsOf(row) : undefined;
    if (!texts) {
      note('shape', `${where}: not an ms-swift row (expected "messages" with an assistant turn, or "query" and "response")`);
      continue;
    }
    const images = imagesOf(row);
    report.images += images.length;
    const tags = texts.prompts.join('\n').match(/<image>/g)?.length ?? 0;
    if (tags > images.length) note('tags', `${where}: ${tags} <image> tags but ${count(images.length, 'image')}`);
    for (const image of images) {
      if (isRemote(image) || (await exists(resolve(options.cwd, image)))) continue;
      report.missingImages++;
      note('image', `${where}: image ${image} not found (relative paths are read from ${options.cwd})`);
    }
    for (const [dialect, marker] of Object.entries(DIALECT_MARKERS)) {
      if (marker.test(texts.answer)) report.dialects[dialect] = (report.dialects[dialect] ?? 0) + 1;
    }
  }
  for (const [kind, n] of counts) if (n > maxListed) report.problems.push(`${path}: … and ${count(n - maxListed, 'more line')} like these (${kind})`);
  if (report.rows === 0) report.problems.push(`${path}: no rows`);
  const others = Object.entries(report.dialects).filter(([name, n]) => name !== options.dialect && n > 0);
  if (others.length && !report.dialects[options.dialect]) {
    const [name, n] = others.sort((a, b) => b[1] - a[1])[0] as [string, number];
    report.problems.push(`${path}: ${n} of ${report.rows} answers are written in the ${name} dialect, the recipe trains ${options.dialect}; convert with --dialect ${options.dialect} or pass --dialect ${name} with a model it fits`);
  }
  return report;
}
