/**
 * `parseCli(argv)`: a command line → the command to run with its arguments and flags validated and typed, or
 * what to print and the exit code (help, version, a usage error). Pure: it reads no file, writes nothing and
 * runs nothing; it imports the invoked command's module, which loads no heavy library until it runs. Tests
 * call it directly; `run` (program.ts) runs what it returns.
 *
 * The rules of flags.ts apply to every command: one value per flag unless declared repeatable; a mistyped
 * sub-command named with the closest one. Commander's messages are said as ocrdet's own
 * (`OCRDET_USAGE: unknown option '-q'`), and usage errors exit with 2, help and version with 0.
 */
import { Command, CommanderError } from 'commander';
import { describeError, UsageError } from '../core/errors.js';
import { commanderCommand, readInvocation, type AnyCommandSpec, type ArgumentTable, type CommandSpec, type FlagTable, type Invocation } from './command-spec.js';
import { COMMANDS, packageVersion } from './commands.js';
import { refuseRepeatedOptions, suggestSubcommands } from './flags.js';
import { flagName } from './output.js';

type InvocationOf<S> = S extends CommandSpec<infer A extends ArgumentTable, infer F extends FlagTable> ? Invocation<A, F> : never;

/** The typed arguments and flags of each command, by the words that name it. */
export interface CliCommands {
  train: InvocationOf<typeof import('./train.js').spec>;
  'train status': InvocationOf<typeof import('./train.js').statusSpec>;
  merge: InvocationOf<typeof import('./merge.js').spec>;
  deploy: InvocationOf<typeof import('./deploy.js').spec>;
  detect: InvocationOf<typeof import('./detect.js').spec>;
  serve: InvocationOf<typeof import('./serve.js').spec>;
  eval: InvocationOf<typeof import('./eval.js').spec>;
  reparse: InvocationOf<typeof import('./reparse.js').spec>;
  'data stats': InvocationOf<typeof import('./data-stats.js').spec>;
  'data convert': InvocationOf<typeof import('./data-convert.js').spec>;
  'data preview': InvocationOf<typeof import('./data-preview.js').spec>;
  'data autolabel': InvocationOf<typeof import('./data-autolabel.js').spec>;
  'results merge': InvocationOf<typeof import('./results.js').mergeSpec>;
}

/** A command to run: `command` names it (`train status`), `spec` runs it. */
export type ParsedCommand = {
  [K in keyof CliCommands]: { kind: 'command'; command: K; spec: AnyCommandSpec; debug: boolean } & CliCommands[K];
}[keyof CliCommands];

/** Nothing to run: print `stdout` and `stderr`, exit with `code` (0 help and version, 2 usage errors). */
export interface CliExit {
  kind: 'exit';
  code: number;
  stdout: string;
  stderr: string;
  /** The usage error, when one was found after commander's parse (for --debug's stack trace). */
  error?: unknown;
}

export type ParsedCli = ParsedCommand | CliExit;

/**
 * Commander usage errors exit with 2, help and version with 0, on every (sub)command. Its messages
 * ("error: unknown option '-q'") are printed as ocrdet's own, `OCRDET_USAGE: unknown option '-q'`.
 * The flag rules of flags.ts (one value per flag, typo'd sub-commands) apply here too, to every command.
 */
export function applyExitOverride(command: Command): void {
  command.exitOverride();
  // "error: option '--concurrency <n>' argument '0' is invalid. --concurrency expects …": our parser's own sentence suffices.
  command.configureOutput({ outputError: (text, write) => write(text.replace(/^error: (option '[^']*' argument '[^']*' is invalid\. (?=--))?/, 'OCRDET_USAGE: ')) });
  command.showHelpAfterError('(add --help for usage)');
  refuseRepeatedOptions(command);
  suggestSubcommands(command);
  for (const sub of command.commands) applyExitOverride(sub);
}

/** The command a command line names: its first word that is not a flag. */
export function commandWord(argv: readonly string[]): string | undefined {
  return argv.find((arg) => !arg.startsWith('-'));
}

/**
 * `ocrdet help detect` and `ocrdet help data convert` mean `ocrdet detect --help` and `ocrdet data convert --help`:
 * the command's own module is loaded and prints its full help (commander's help command would print the
 * stand-in that lists the command without its flags).
 */
export function expandHelp(argv: readonly string[]): readonly string[] {
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  if (at < 0 || argv[at] !== 'help' || at === argv.length - 1) return argv;
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  // An unknown name goes on without --help, so that commander says "unknown command" and suggests the closest.
  return COMMANDS.some((c) => c.name === argv[at + 1]) ? [...rest, '--help'] : rest;
}

/** The program with the invoked command built from its spec (the others as stand-ins that list them). */
async function buildProgram(argv: readonly string[], onAction: (spec: AnyCommandSpec, command: Command) => void): Promise<Command> {
  const program = new Command('ocrdet')
    .description('Text detection with multimodal LLMs and an embedded PP-OCRv4 detector.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces and extra diagnostics')
    .enablePositionalOptions();
  const entry = COMMANDS.find((c) => c.name === commandWord(argv));
  const spec = entry ? (await entry.load()).spec : undefined;
  if (entry && spec) program.addCommand(commanderCommand(spec, onAction).summary(entry.summary));
  else for (const c of COMMANDS) program.command(c.name).description(c.summary);
  applyExitOverride(program);
  return program;
}

/** Sends a command tree's output (help, messages) to `write` instead of the process's streams. */
function captureOutput(command: Command, out: (text: string) => void, err: (text: string) => void): void {
  command.configureOutput({ writeOut: out, writeErr: err });
  for (const sub of command.commands) captureOutput(sub, out, err);
}

function exitCodeOf(error: CommanderError): number {
  return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) ? 0 : 2;
}

/** `['train', 'status']` for the `status` command under `train`. */
function wordsOf(command: Command): string[] {
  const words: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) words.unshift(c.name());
  return words;
}

export async function parseCli(rawArgv: readonly string[]): Promise<ParsedCli> {
  const argv = expandHelp(rawArgv);
  let matched: { spec: AnyCommandSpec; command: Command } | undefined;
  const program = await buildProgram(argv, (spec, command) => (matched = { spec, command }));
  let stdout = '';
  let stderr = '';
  captureOutput(program, (text) => (stdout += text), (text) => (stderr += text));
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { kind: 'exit', code: exitCodeOf(error), stdout, stderr };
  }
  const found = matched as { spec: AnyCommandSpec; command: Command } | undefined;
  if (!found) return { kind: 'exit', code: 0, stdout, stderr };
  const words = wordsOf(found.command);
  try {
    const invocation = readInvocation(found.spec, found.command, `ocrdet ${words.join(' ')}`, flagName);
    return { kind: 'command', command: words.join(' '), spec: found.spec, debug: argv.includes('--debug'), ...invocation } as ParsedCommand;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { kind: 'exit', code: error.exitCode, stdout, stderr: `${describeError(error)}\n`, error };
  }
}
