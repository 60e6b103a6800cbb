/**
 * Streams: results on stdout, progress and diagnostics on stderr. Every CLI command writes through
 * these so the rule holds everywhere.
 */
import { InvalidArgumentError as InvalidFlag } from 'commander';

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
