/**
 * A one-line progress bar for a terminal's stderr: done/total, percent, images/s, ETA, errors, and the
 * counters a backend reports (as totals or as rates). Redrawn in place at most every `redrawMs`; other
 * lines (per-image errors, notices) are printed above it through `log`. Hand-written: one line of ANSI
 * (carriage return + erase line), no dependency. Only used when stderr is a terminal and not --quiet.
 */
import type { BatchProgress } from '../batch/stats.js';
import type { CounterDisplay } from '../detectors/index.js';

const ERASE_LINE = '\r\x1b[2K';

export interface ProgressBarOptions {
  /** Shown before the bar, e.g. `detect`. */
  label: string;
  /** How each backend counter is shown; counters not listed are shown as totals. */
  counters?: Readonly<Record<string, CounterDisplay>>;
  redrawMs?: number;
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Short numbers for the bar: 0.42, 4.2, 42.5, 420, 4.2k, 42k, 4.2M. */
export function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return value >= 1 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * The text of the bar for a terminal `columns` wide (pure: tested directly). What does not fit goes in this
 * order: the bar itself, then the backend counters and the skipped count from the right (whole facts, never
 * half of one); done/todo, percent, images/s, ETA, errors and "stopping" stay, cut only on a tiny terminal.
 */
export function renderProgress(p: BatchProgress, columns: number, options: ProgressBarOptions): string {
  const fraction = p.todo > 0 ? Math.min(1, p.done / p.todo) : 1;
  const essential = [
    `${p.done}/${p.todo}`,
    `${Math.floor(fraction * 100)}%`,
    `${formatCount(p.imagesPerSecond)} img/s`,
    `ETA ${p.etaMs === undefined ? '-:--' : formatDuration(p.etaMs)}`,
    `errors ${p.failed}`,
  ];
  const extra: string[] = [];
  const elapsedSeconds = p.elapsedMs / 1000;
  for (const [name, value] of Object.entries(p.counters)) {
    const display = options.counters?.[name] ?? 'total';
    extra.push(display === 'rate' ? `${name} ${formatCount(elapsedSeconds > 0 ? value / elapsedSeconds : 0)}/s` : `${name} ${formatCount(value)}`);
  }
  if (p.skipped > 0) extra.push(`skipped ${p.skipped}`);
  const stopping = p.stopping ? [`stopping: ${p.inFlight} in flight (Ctrl-C again to abort)`] : [];
  const room = columns - 1;
  const textOf = (kept: number) => [...essential, ...extra.slice(0, kept), ...stopping].join('  ');
  const full = textOf(extra.length);
  const barWidth = Math.min(30, room - options.label.length - full.length - 4);
  if (barWidth >= 8) {
    const filled = Math.round(fraction * barWidth);
    return `${options.label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${full}`;
  }
  for (let kept = extra.length; kept >= 0; kept--) {
    const line = `${options.label} ${textOf(kept)}`;
    if (line.length <= room || kept === 0) return line.slice(0, Math.max(0, room));
  }
  return '';
}

export class ProgressBar {
  private last: BatchProgress | undefined;
  private lastAtMs = 0;
  private shown = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly options: ProgressBarOptions,
  ) {
    // Redraws on a timer (not on every event): at hundreds of images/s drawing each one would cost more
    // than the work, and a slow backend still sees the elapsed time move.
    this.timer = setInterval(() => this.draw(), options.redrawMs ?? 200);
    this.timer.unref();
  }

  update(progress: BatchProgress): void {
    this.last = progress;
    this.lastAtMs = performance.now();
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    this.stream.write(`${this.shown ? ERASE_LINE : ''}${line}\n`);
    this.shown = false;
    this.draw();
  }

  /** Erases the bar until the next redraw, e.g. before results are printed to the same terminal on stdout. */
  clear(): void {
    if (this.shown) this.stream.write(ERASE_LINE);
    this.shown = false;
  }

  private draw(): void {
    if (!this.last) return;
    // Elapsed time keeps moving between updates.
    const progress = { ...this.last, elapsedMs: this.last.elapsedMs + (performance.now() - this.lastAtMs) };
    this.stream.write(`${ERASE_LINE}${renderProgress(progress, this.stream.columns || 80, this.options)}`);
    this.shown = true;
  }

  /** Removes the bar (the summary line is printed by the caller). */
  finish(): void {
    clearInterval(this.timer);
    if (this.shown) this.stream.write(ERASE_LINE);
    this.shown = false;
  }
}
