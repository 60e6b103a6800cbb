/**
 * The `ocrdet` program: the command table and the one place that turns errors into exit codes.
 *
 * Start-up stays fast because only the invoked command's module is imported; each command module
 * imports its heavy libraries (onnxruntime, sharp, openai, fastify) lazily inside its action.
 * Exit codes: 0 ok, 1 some inputs failed (the rest done), 2 usage or configuration error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { OcrdetError, describeError, toOcrdetError } from '../core/errors.js';
import { optionsNamed } from '../core/options.js';
import { refuseRepeatedOptions, suggestSubcommands } from './flags.js';
import { inFlagWords } from './output.js';

interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ createCommand: () => Command }>;
}

/** Every command: one file each under src/cli/. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'detect', summary: 'detect text regions in images (embedded PP-OCRv4, or a multimodal LLM server)', load: () => import('./detect.js') },
  { name: 'eval', summary: 'score detections against ground truth (ICDAR 2015 hmean-IoU)', load: () => import('./eval.js') },
  { name: 'data', summary: 'datasets: stats, convert to fine-tuning JSONL, preview', load: () => import('./data.js') },
  { name: 'results', summary: 'results files: merge the parts of a job array (detect --shard) into one', load: () => import('./results.js') },
  { name: 'reparse', summary: 're-parse saved raw model answers with a grounding dialect', load: () => import('./reparse.js') },
  { name: 'train', summary: 'fine-tune a multimodal LLM with ms-swift (LoRA), and follow runs', load: () => import('./train.js') },
  { name: 'merge', summary: 'merge a LoRA checkpoint into its base model (ms-swift export)', load: () => import('./merge.js') },
  { name: 'deploy', summary: 'serve a model behind an OpenAI-compatible API (swift deploy, vLLM, LMDeploy)', load: () => import('./deploy.js') },
  { name: 'serve', summary: 'HTTP API and web page over the detectors', load: () => import('./serve.js') },
];

/** The version in package.json (0.0.0 when it cannot be read). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

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

export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('ocrdet')
    .description('Text detection with multimodal LLMs and an embedded PP-OCRv4 detector.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces and extra diagnostics')
    .enablePositionalOptions();
  const wanted = argv.find((arg) => !arg.startsWith('-'));
  const entry = COMMANDS.find((c) => c.name === wanted);
  if (entry) {
    const module = await entry.load();
    program.addCommand(module.createCommand().summary(entry.summary));
  } else {
    for (const c of COMMANDS) program.command(c.name).description(c.summary);
  }
  applyExitOverride(program);
  return program;
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

export async function run(rawArgv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const argv = expandHelp(rawArgv);
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    // Library errors name options by their keys (details.options); say them as the flags the user typed.
    const named = error instanceof OcrdetError && optionsNamed(error.details).length > 0;
    const e = toOcrdetError(named ? inFlagWords(error, (await import('./backend-flags.js')).cliOptionName) : error);
    process.stderr.write(`${describeError(e)}\n`);
    // The disk's errors (OCRDET_FILE_SYSTEM) are not ocrdet's bugs: no stack trace is asked for.
    if (debug || (!(error instanceof OcrdetError) && e.code === 'OCRDET_INTERNAL')) {
      if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      else process.stderr.write('(run again with --debug for the stack trace)\n');
    }
    return e.exitCode;
  }
}

