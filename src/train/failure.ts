/**
 * The last meaningful error in an ms-swift / torchrun / vLLM log, instead of a wall of traceback.
 *
 * Root causes first: a CUDA out-of-memory on one rank makes the other ranks time out in NCCL and
 * torchrun then raises ChildFailedError, so OOM is looked for before NCCL timeouts, and both before the
 * last exception line. The message shapes are PyTorch's (torch.OutOfMemoryError / older
 * torch.cuda.OutOfMemoryError, ProcessGroupNCCL's watchdog) and Python's FileNotFoundError, as they
 * appear in user reports (modelscope/ms-swift#7826, #3399; hiyouga/LlamaFactory#7396).
 */

export type FailureKind = 'cuda-oom' | 'nccl-timeout' | 'missing-file' | 'error';

export interface Failure {
  kind: FailureKind;
  /** One line: what went wrong, with the numbers that matter. */
  message: string;
  /** What to try. */
  hint?: string;
  /** The log line it came from (without rank prefix and colour codes). */
  line: string;
}

/** Removes ANSI colours and torchrun's `[rank3]:` / `[80746] [rank0]:[E321 …]` prefixes. */
export function cleanLogLine(line: string): string {
  return line
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/^(?:\[\d+\]\s*)?\[rank\d+\]:\s*/, '')
    .trim();
}

const OOM = /(?:torch\.)?(?:cuda\.)?OutOfMemoryError: CUDA out of memory\.?\s*(.*)$|RuntimeError: CUDA out of memory\.?\s*(.*)$/;
const NCCL = /Watchdog caught collective operation timeout: (WorkNCCL\(.*?\)) ran for (\d+) milliseconds/;
const MISSING = /FileNotFoundError: \[Errno 2\] No such file or directory: '([^']+)'/;
const EXCEPTION = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)): (.+)$/;
/** Wrapper exceptions that only say "a child failed". */
const WRAPPERS = /ChildFailedError|CalledProcessError|subprocess\.|torch\.distributed\.elastic/;

function firstSentences(text: string, count: number): string {
  const sentences = text.match(/[^.]+(?:\.\d+[^.]*)*\.?/g) ?? [text];
  return sentences.slice(0, count).join('').trim();
}

function findLast(lines: readonly string[], pattern: RegExp): { match: RegExpExecArray; line: string } | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cleanLogLine(lines[i] as string);
    const match = pattern.exec(line);
    if (match) return { match, line };
  }
  return undefined;
}

/** The most meaningful error in the last lines of a log, or undefined when there is none. */
export function extractFailure(lines: readonly string[]): Failure | undefined {
  const oom = findLast(lines, OOM);
  if (oom) {
    const detail = firstSentences(oom.match[1] ?? oom.match[2] ?? '', 2);
    return {
      kind: 'cuda-oom',
      message: `CUDA out of memory${detail ? `: ${detail}` : ''}`,
      hint: 'lower --batch-size (keep the global batch with --global-batch) or --max-length, or add --deepspeed zero2 / zero3',
      line: oom.line,
    };
  }
  const nccl = findLast(lines, NCCL);
  if (nccl) {
    return {
      kind: 'nccl-timeout',
      message: `NCCL timeout: ${nccl.match[1]} ran for ${nccl.match[2]} ms`,
      hint: 'a rank stalled or died: look for its error above; NCCL_DEBUG=INFO shows the network side',
      line: nccl.line,
    };
  }
  const missing = findLast(lines, MISSING);
  if (missing) {
    return { kind: 'missing-file', message: `missing file: ${missing.match[1]}`, hint: 'paths in the data are read relative to the directory ocrdet was started in', line: missing.line };
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cleanLogLine(lines[i] as string);
    const match = EXCEPTION.exec(line);
    if (match && !WRAPPERS.test(line)) return { kind: 'error', message: `${match[1]}: ${match[2]}`, line };
  }
  return undefined;
}

/** Keeps the last `capacity` lines of a stream, for extractFailure after the process ends. */
export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity = 400) {}

  push(chunk: string): void {
    const pieces = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = pieces.pop() ?? '';
    for (const piece of pieces) {
      this.lines.push(piece);
      if (this.lines.length > this.capacity) this.lines.shift();
    }
  }

  /** Lines so far, including an unterminated last one. */
  snapshot(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }
}
