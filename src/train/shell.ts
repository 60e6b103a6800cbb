/**
 * Command lines as data: an external command is `{ env, program, args }`; this module quotes and prints
 * it the way a person would paste it into a shell (and the way the reference's scripts are written).
 */

/** One external command: environment assignments (printed in insertion order), program, arguments. */
export interface ExternalCommand {
  env: Record<string, string>;
  program: string;
  args: string[];
  /** Things the user should know about this command (a setting the version cannot express…). */
  warnings: string[];
}

/** Quotes a word for POSIX shells only when it needs it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_\-+=.,/:@%^]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Numbers as Python reads them back unchanged: 1e-4 rather than 0.0001, 16 rather than 16.0. */
export function formatNumber(value: number): string {
  return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential() : String(value);
}

/** Builds `--flag value` argument lists for ms-swift (snake_case flags, lower-case booleans). */
export class ArgList {
  readonly args: string[] = [];

  add(flag: string, value: string | number | boolean | readonly string[]): this {
    this.args.push(`--${flag}`);
    if (Array.isArray(value)) this.args.push(...(value as string[]));
    else if (typeof value === 'number') this.args.push(formatNumber(value));
    else if (typeof value === 'boolean') this.args.push(value ? 'true' : 'false');
    else this.args.push(value as string);
    return this;
  }

  /** Adds the flag only when the value is set and differs from what ms-swift would use anyway. */
  addIfNot(flag: string, value: string | number | boolean | undefined, versionDefault: string | number | boolean | undefined): this {
    if (value !== undefined && value !== versionDefault) this.add(flag, value);
    return this;
  }
}

/** `A=1 B=2 program arg…` on one line. */
export function formatOneLine(command: Pick<ExternalCommand, 'env' | 'program' | 'args'>): string {
  const env = Object.entries(command.env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return [...env, shellQuote(command.program), ...command.args.map(shellQuote)].join(' ');
}

/**
 * The command as the reference's scripts write it: environment and sub-command on the first line, then
 * one `--flag value…` per line, joined with backslash continuations.
 */
export function formatMultiline(command: Pick<ExternalCommand, 'env' | 'program' | 'args'>, indent = '  '): string {
  const env = Object.entries(command.env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  const lines: string[][] = [[...env, shellQuote(command.program)]];
  for (const arg of command.args) {
    const current = lines[lines.length - 1] as string[];
    if (arg.startsWith('--')) lines.push([shellQuote(arg)]);
    else current.push(shellQuote(arg));
  }
  return lines.map((words, i) => (i === 0 ? '' : indent) + words.join(' ')).join(' \\\n');
}

/**
 * Parses a shell command line of the kind the reference scripts contain (env assignments, a program,
 * arguments, backslash continuations, single/double quotes, `#` comments) into the same shape.
 * Used to compare our dry run with the reference script token by token.
 */
export function parseCommandLine(text: string): { env: Record<string, string>; program: string; args: string[] } {
  const words: string[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(#.*$)|(\S+)/gm;
  for (const match of joined.matchAll(pattern)) {
    if (match[3] !== undefined) continue;
    words.push(match[1] ?? match[2] ?? match[4] ?? '');
  }
  // Quoted and bare parts of one word (A="x y") were split by the pattern; the scripts we parse don't need it.
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string); i++) {
    const word = words[i] as string;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  return { env, program: words[i] ?? '', args: words.slice(i + 1) };
}
