/**
 * `mergeResults`: the results files of a batch's parts (./shard.ts), or of any runs, joined into one.
 *
 * Each image (each page of a document) ends once in the merged file: when parts overlap (a part run twice, parts
 * of two different part counts), the first line with regions is kept, else the first line recorded with an
 * error. A document given among the inputs counts as present when a part has any of its pages (they are done
 * together: ./shard.ts); its pages follow in page order. Given the
 * inputs the parts were run on, the merged file follows their order (one run's order, so it equals what a
 * single run would have written) and the images no part has are reported; lines for images outside the
 * inputs are kept after them, and counted. Without the inputs, lines come in the order of the parts given.
 *
 * Nothing is lost on the way: a part's half-written last line (a killed task) and lines that are not
 * Detections are reported, one line each, and left out; the merged file is written beside its place and
 * renamed over it when complete, so `out` may itself be one of the parts, and a merge that stops midway
 * leaves every file as it was. Memory: one entry per image (its key and where its line is), about 200 bytes.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import { checkResultLine } from '../core/detection.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import { readLines } from '../core/lines.js';
import { optionDetails, optionName } from '../core/options.js';
import { count } from '../core/plural.js';
import { quoteLine } from '../datasets/problems.js';
import { expandInputs, type ImageInput } from './inputs.js';
import { imageKey } from './jsonl.js';

export interface MergeResultsOptions {
  /** Results files (Detection JSONL), in the order their lines should come when no inputs are given. */
  parts: readonly string[];
  /** The merged file. It may be one of the parts; any other existing file is refused (it would be lost). */
  out: string;
  /** The inputs the parts were run on (files, directories, globs), as given to the batch. */
  inputs?: readonly string[];
  /** Or those inputs already expanded. */
  images?: readonly ImageInput[];
  /** One line per thing worth knowing: skipped lines, cut tails, duplicates. */
  onNotice?: (message: string) => void;
}

export interface MergeSummary {
  /** Lines written to `out`. */
  written: number;
  /** Of those, images recorded with an error (redo them with the batch's `retryErrors` on their part). */
  failed: number;
  /** Lines left out because another line of the same image was kept. */
  duplicates: number;
  /** Lines left out because they are not Detection lines (each reported). */
  badLines: number;
  /** With inputs: the inputs no part has a line for, in input order. */
  missing: string[];
  /** With inputs: lines kept for images that are not among them. */
  outside: number;
}

/** Where the kept line of an image is. */
interface Kept {
  /** The page of a document's line (pages are kept in page order after their document's place). */
  page?: number;
  part: number;
  offset: number;
  length: number;
  ok: boolean;
  used: boolean;
}

async function checkParts(parts: readonly string[], out: string): Promise<void> {
  if (parts.length === 0) throw new UsageError('mergeResults: give at least one results file to merge');
  const seen = new Set<string>();
  for (const part of parts) {
    const info = await stat(part).catch(() => undefined);
    if (!info) throw new NotFoundError(`${part}: no such results file`);
    if (!info.isFile()) throw new UsageError(`${part}: not a file (expected Detection JSONL)`);
    if (seen.has(resolve(part))) throw new UsageError(`${part}: given twice`);
    seen.add(resolve(part));
  }
  const outInfo = await stat(out).catch(() => undefined);
  if (outInfo && !seen.has(resolve(out))) {
    throw new UsageError(`${optionName('out')} ${out}: exists and is not one of the parts; remove it, or list it among the parts to merge into it`, { details: optionDetails('out') });
  }
}

/** Reads every part, choosing one line per image. */
async function indexParts(parts: readonly string[], notice: (message: string) => void): Promise<{ kept: Map<string, Kept>; duplicates: number; badLines: number }> {
  const kept = new Map<string, Kept>();
  let duplicates = 0;
  let badLines = 0;
  for (let part = 0; part < parts.length; part++) {
    const file = parts[part];
    let offset = 0;
    for await (const { number, text, bytes, ended } of readLines(file)) {
      const at = offset;
      offset += bytes.length + 1;
      if (text.trim() === '') continue;
      const { line, problem } = checkResultLine(text);
      if (!line) {
        badLines++;
        notice(ended ? `${file}:${number}: left out: ${problem} (${quoteLine(text)})` : `${file}:${number}: left out a half-written last line (${bytes.length} bytes; a run that was stopped)`);
        continue;
      }
      const key = imageKey(line.image, line.page);
      const ok = line.error === undefined;
      const before = kept.get(key);
      if (before) duplicates++;
      if (!before || (ok && !before.ok)) kept.set(key, { ...(line.page !== undefined ? { page: line.page } : {}), part, offset: at, length: bytes.length, ok, used: false });
    }
  }
  return { kept, duplicates, badLines };
}

/** Copies the chosen lines, in order, to a file beside `out`, then renames it over `out`. */
async function writeMerged(out: string, parts: readonly string[], order: Iterable<Kept>): Promise<{ written: number; failed: number }> {
  makeDirectory(dirname(resolve(out)));
  const temporary = `${out}.ocrdet-merge-${process.pid}`;
  const handles: FileHandle[] = [];
  const target = await open(temporary, 'w');
  let written = 0;
  let failed = 0;
  try {
    for (const part of parts) handles.push(await open(part, 'r'));
    for (const line of order) {
      const buffer = Buffer.allocUnsafe(line.length + 1);
      await handles[line.part].read(buffer, 0, line.length, line.offset);
      buffer[line.length] = 10;
      await target.write(buffer);
      written++;
      if (!line.ok) failed++;
    }
    await target.sync();
    await target.close();
    await rename(temporary, out);
  } catch (error) {
    await target.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
  return { written, failed };
}

/** Joins the parts into `out`: one line per image, in the inputs' order when they are given. */
export async function mergeResults(options: MergeResultsOptions): Promise<MergeSummary> {
  const notice = options.onNotice ?? (() => undefined);
  await checkParts(options.parts, options.out);
  const images = options.images ?? (options.inputs ? await expandInputs(options.inputs) : undefined);
  const { kept, duplicates, badLines } = await indexParts(options.parts, notice);
  if (duplicates > 0) notice(`${count(duplicates, 'line')} left out: another line of the same image was kept (the first with regions, else the first)`);
  const missing: string[] = [];
  let outside = 0;
  let order: Kept[];
  if (images) {
    // The lines of each input file: the image's, or a document's pages (in page order).
    const byFile = new Map<string, Kept[]>();
    for (const [key, line] of kept) {
      const file = line.page === undefined ? key : key.slice(0, key.lastIndexOf('#'));
      byFile.set(file, [...(byFile.get(file) ?? []), line]);
    }
    order = [];
    for (const image of images) {
      const lines = (byFile.get(imageKey(image.path)) ?? []).filter((line) => !line.used);
      if (lines.length === 0) {
        if (!byFile.has(imageKey(image.path))) missing.push(image.path);
        continue;
      }
      lines.sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
      for (const line of lines) line.used = true;
      order.push(...lines);
    }
    const others = [...kept.values()].filter((line) => !line.used);
    outside = others.length;
    if (outside > 0) notice(`${count(outside, 'line')} for images that are not among the inputs: kept after the others`);
    order.push(...others);
  } else order = [...kept.values()];
  const { written, failed } = await writeMerged(options.out, options.parts, order);
  return { written, failed, duplicates, badLines, missing, outside };
}
