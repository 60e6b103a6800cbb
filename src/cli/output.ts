/**
 * Streams: results on stdout, progress and diagnostics on stderr. Every CLI command writes through
 * these so the rule holds everywhere.
 */
import { InvalidArgumentError as InvalidFlag } from 'commander';
import type { z } from 'zod';
import { ERROR_CLASSES, OcrdetError, UsageError } from '../core/errors.js';
import { formatIssues, optionsNamed, renameOptions, type OptionNamer } from '../core/options.js';

/** Writes one value as pretty JSON (one result) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes one line of text to stdout. */
export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/**
 * One diagnostic line on stderr (warnings, skipped records, per-file errors). Options the library names in
 * its words (`option "saveRaw"`) are said as flags (`--save-raw`).
 */
export function warn(line: string): void {
  process.stderr.write(`${inFlagText(line)}\n`);
}

/** `text` with every option the library names (`option "maxTokens"`) said as its flag (`--max-tokens`). */
export function inFlagText(text: string, nameOf: OptionNamer = flagName): string {
  return renameOptions(text, (key) => (key.includes('.') ? `option "${key}"` : nameOf(key)));
}

/** Whether live progress should be drawn: only on a terminal, and never with --quiet. */
export function showProgress(quiet: boolean | undefined): boolean {
  return !quiet && Boolean(process.stderr.isTTY);
}

/** `--max-answer-tokens` for the option commander calls `maxAnswerTokens`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * A library error said again under the names the user typed. An option error (a UsageError whose cause is
 * the ZodError) is formatted anew: `convert: option "split" must be > 0` becomes `ocrdet data convert:
 * --split must be > 0`. Any other error whose `details.options` lists the options its message names gets
 * those said as flags (`option "out" x.jsonl: is a directory` → `--out x.jsonl: is a directory`). Other
 * errors are returned as they are.
 */
export function restateOptionError(error: unknown, where: string, nameOf: OptionNamer = flagName): unknown {
  const cause = error instanceof UsageError ? (error.cause as z.ZodError | undefined) : undefined;
  if (!(error instanceof UsageError) || !cause || !Array.isArray(cause.issues)) return inFlagWords(error, nameOf);
  return new UsageError(formatIssues(cause, where, { nameOf }), { cause: error, ...(error.details ? { details: error.details } : {}) });
}

/** An OcrdetError whose message names options (`details.options`) said with flags; anything else as it is. */
export function inFlagWords(error: unknown, nameOf: OptionNamer = flagName): unknown {
  if (!(error instanceof OcrdetError)) return error;
  const named = optionsNamed(error.details);
  if (named.length === 0) return error;
  const message = renameOptions(error.message, nameOf, named);
  return message === error.message ? error : new ERROR_CLASSES[error.code](message, { cause: error, details: error.details });
}

/** Parses a positive integer flag value for commander (`--concurrency 4`). */
export function positiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidFlag(`${name} expects a positive integer, got "${value}"`);
    return n;
  };
}

/** Parses a whole-number flag ≥ 0 (0 means none: `--preview-limit 0`). */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidFlag(`${name} expects a whole number ≥ 0, got "${value}"`);
    return n;
  };
}

/** Parses a number flag > 0 (`--lr 1e-4`). */
export function positiveNumber(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidFlag(`${name} expects a positive number, got "${value}"`);
    return n;
  };
}

/** Parses a number flag in [min, max]. */
export function numberIn(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new InvalidFlag(`${name} expects a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/**
 * Pretty JSON for one Detection, with arrays of numbers (points, boxes) kept on one line each:
 * `"points": [[743, 536], [1040, 578], …]` instead of one number per line.
 */
export function prettyDetectionJson(value: unknown, indent = ''): string {
  const isNumbers = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'number' || isNumbers(x));
  if (isNumbers(value)) return JSON.stringify(value).replace(/,/g, ', ');
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + prettyDetectionJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyDetectionJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
