/**
 * Streams: results on stdout, progress and diagnostics on stderr. Every CLI command writes through
 * these so the rule holds everywhere.
 */
import { InvalidArgumentError as InvalidFlag } from 'commander';
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { formatIssues, parseOptions, type OptionNamer } from '../core/options.js';

/** Writes one value as pretty JSON (one result) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes one line of text to stdout. */
export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** One diagnostic line on stderr (warnings, skipped records, per-file errors). */
export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
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
 * parseOptions over a command's parsed flags (and its arguments, named in `positionals`): messages name the
 * flags as typed (`--split must be ≤ 1`) and the arguments as the usage line does (`<dataset>`).
 */
export function parseFlags<S extends z.ZodType>(schema: S, flags: unknown, where: string, positionals: readonly string[] = []): Readonly<z.infer<S>> {
  const nameOf = (path: string) => (positionals.includes(path) ? `<${path}>` : path.includes('.') ? `option "${path}"` : flagName(path));
  return parseOptions(schema, flags, where, undefined, { nameOf });
}

/**
 * A library's option error (a UsageError whose cause is the ZodError) said again under the names the user
 * typed: `convert: option "split" must be > 0` becomes `ocrdet data convert: --split must be > 0`. Any
 * other error is returned as it is.
 */
export function restateOptionError(error: unknown, where: string, nameOf: OptionNamer = flagName): unknown {
  const cause = error instanceof UsageError ? (error.cause as z.ZodError | undefined) : undefined;
  if (!cause || !Array.isArray(cause.issues)) return error;
  return new UsageError(formatIssues(cause, where, { nameOf }), { cause: error });
}

/** Parses a positive integer flag value for commander (`--concurrency 4`). */
export function positiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidFlag(`${name} expects a positive integer, got "${value}"`);
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
