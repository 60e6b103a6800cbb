/**
 * Rules every command's flags follow, applied once to the whole command tree (parse.ts `applyExitOverride`):
 * - a flag that takes one value refuses a second (`--out a --out b` is a usage error, not the last one winning
 *   silently); a flag meant to be given many times says so with `repeatable()`, and its parser collects;
 * - a command that has sub-commands and an action of its own (`ocrdet train`, `train status`) treats an
 *   operand as a mistyped sub-command and names the closest one, as commander does for pure groups.
 */
import type { Command, Option } from 'commander';

const REPEATABLE = new WeakSet<Option>();

/**
 * Declares `option` as one a user may give several times; its argParser collects the values, e.g.
 * `repeatable(new Option('--env <KEY=VALUE>').argParser((v, all: string[]) => [...all, v]).default([]))`.
 */
export function repeatable<T extends Option>(option: T): T {
  REPEATABLE.add(option);
  return option;
}

/** Whether `option` was declared with `repeatable()`. */
export function isRepeatable(option: Option): boolean {
  return REPEATABLE.has(option);
}

function takesOneValue(option: Option): boolean {
  return (option.required || option.optional) && !option.variadic && !isRepeatable(option);
}

/** A flag's value as a message shows it: credentials in a URL (`http://user:password@host`) hidden. */
function shown(value: unknown): string {
  return String(value).replace(/(\/\/)[^/@\s]*@/g, '$1***@');
}

/** A second value for a one-value flag stops the command with a usage error naming both values. */
export function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if (!takesOneValue(option)) continue;
    let first: string | undefined;
    command.on(`option:${option.name()}`, (value: unknown) => {
      if (first === undefined) {
        first = shown(value);
        return;
      }
      command.error(`error: ${option.long ?? option.short} given twice ("${first}", then "${shown(value)}"); it takes one value`, {
        exitCode: 2,
        code: 'ocrdet.repeatedOption',
      });
    });
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The sub-command name closest to `typed`, when it is close enough to be a typo (commander's own bound: 0.4 of the length). */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(typed, name);
    if (d <= Math.max(1, Math.floor(name.length * 0.4)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * For a command with both an action and sub-commands but no arguments of its own, an operand can only be a
 * mistyped sub-command: say so (`unknown command 'train stats'; did you mean 'train status'?`) instead of
 * commander's "too many arguments".
 */
export function suggestSubcommands(command: Command): void {
  const subs = command.commands.map((c) => c.name());
  if (subs.length === 0 || command.registeredArguments.length > 0) return;
  command.allowExcessArguments();
  command.hook('preAction', (_root, acting) => {
    if (acting !== command || command.args.length === 0) return;
    const typed = command.args[0]!;
    const close = closestName(typed, subs);
    const hint = close ? `; did you mean '${command.name()} ${close}'?` : `; its sub-commands: ${subs.join(', ')}`;
    command.error(`error: unknown command '${command.name()} ${typed}'${hint}`, { exitCode: 2, code: 'commander.unknownCommand' });
  });
}
