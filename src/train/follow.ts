/**
 * Following a logging.jsonl while ms-swift appends to it: polls the file size (works on NFS and shared
 * cluster disks, where change notifications do not arrive), reads only the new bytes, keeps a partial
 * last line until its newline arrives, and hands complete records to the caller as events.
 */
import { open, stat } from 'node:fs/promises';
import { parseLogRecord, type SwiftLogEvent } from './logging.js';

export interface FollowOptions {
  onEvent: (event: SwiftLogEvent) => void;
  /** A complete line that is not JSON (reported once, then skipped). */
  onProblem?: (message: string) => void;
  /** Stops following (after reading what is already there). */
  signal?: AbortSignal;
  /** How often to look for new bytes. Default 500 ms. */
  pollMs?: number;
  /** Resolve once the final `last_model_checkpoint` record is read. Default true. */
  stopAtFinal?: boolean;
}

/** Reads the new complete lines of a growing file, remembering where it stopped. */
export class JsonlTail {
  private offset = 0;
  private partial = '';
  private lineNumber = 0;

  constructor(readonly path: string) {}

  /** New complete lines since the last call; [] when the file does not exist yet. */
  async readNewLines(): Promise<{ line: string; lineNumber: number }[]> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      // Truncated or replaced: start again from the top.
      this.offset = 0;
      this.partial = '';
      this.lineNumber = 0;
    }
    if (size === this.offset) return [];
    const handle = await open(this.path, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      text = this.partial + buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const pieces = text.split('\n');
    this.partial = pieces.pop() ?? '';
    return pieces.filter((line) => line.trim()).map((line) => ({ line, lineNumber: ++this.lineNumber }));
  }

  /** The unterminated last line, if any (a run killed mid-write leaves one). */
  get pendingLine(): string {
    return this.partial;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Follows a logging.jsonl until its final record arrives or `signal` aborts; waits for the file to
 * appear. Returns every event read, in order.
 */
export async function followLog(path: string, options: FollowOptions): Promise<SwiftLogEvent[]> {
  const tail = new JsonlTail(path);
  const events: SwiftLogEvent[] = [];
  const pollMs = options.pollMs ?? 500;
  const stopAtFinal = options.stopAtFinal ?? true;
  for (;;) {
    const aborted = options.signal?.aborted ?? false;
    for (const { line, lineNumber } of await tail.readNewLines()) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        options.onProblem?.(`${path}:${lineNumber}: not JSON (${(error as Error).message.split('\n')[0]}), skipped`);
        continue;
      }
      const event = parseLogRecord(record);
      if (!event) continue;
      events.push(event);
      options.onEvent(event);
      if (stopAtFinal && event.kind === 'final') return events;
    }
    if (aborted) return events;
    await sleep(pollMs, options.signal);
  }
}
