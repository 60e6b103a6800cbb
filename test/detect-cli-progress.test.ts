/**
 * The progress bar (src/cli/progress.ts): the pure renderer on hand-made snapshots, and the real CLI in a
 * terminal (util-linux `script` gives it a pseudo-terminal) versus a pipe.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchProgress } from '../src/batch/stats.js';
import { formatCount, formatDuration, renderProgress } from '../src/cli/progress.js';
import { assertBuilt, CLI, REPO } from './helpers/cli.js';

const snapshot = (overrides: Partial<BatchProgress> = {}): BatchProgress => ({
  total: 60, skipped: 10, todo: 50, done: 20, failed: 2, inFlight: 2, elapsedMs: 5000, imagesPerSecond: 4,
  etaMs: 7500, counters: {}, stopping: false, ...overrides,
});

describe('renderProgress', () => {
  it('shows done/todo, percent, images/s, ETA, errors and skipped images', () => {
    expect(renderProgress(snapshot(), 120, { label: 'detect' })).toBe(
      'detect [############..................] 20/50  40%  4 img/s  ETA 0:08  errors 2  skipped 10',
    );
  });

  it('shows backend counters as totals or rates (per second of the run)', () => {
    const line = renderProgress(snapshot({ counters: { retries: 3, tokens: 12_500 } }), 160, { label: 'detect', counters: { tokens: 'rate' } });
    expect(line).toContain('retries 3');
    expect(line).toContain('tokens 2.5k/s'); // 12 500 tokens in 5 s
  });

  it('says it is stopping, and fits a narrow terminal by dropping the bar', () => {
    expect(renderProgress(snapshot({ stopping: true }), 200, { label: 'detect' })).toContain('stopping: 2 in flight (Ctrl-C again to abort)');
    const narrow = renderProgress(snapshot(), 50, { label: 'detect' });
    expect(narrow.length).toBeLessThan(50);
    expect(narrow).not.toContain('[');
    // An 80-column terminal and a vlm run's counters: whole facts are dropped from the right, never cut.
    const vlm = (columns: number) => renderProgress(snapshot({ counters: { requests: 11, retries: 2, tokens: 12_500 } }), columns, { label: 'detect', counters: { tokens: 'rate' } });
    expect(vlm(100)).toBe('detect 20/50  40%  4 img/s  ETA 0:08  errors 2  requests 11  retries 2  tokens 2.5k/s  skipped 10');
    expect(vlm(90)).toBe('detect 20/50  40%  4 img/s  ETA 0:08  errors 2  requests 11  retries 2  tokens 2.5k/s');
    expect(vlm(80)).toBe('detect 20/50  40%  4 img/s  ETA 0:08  errors 2  requests 11  retries 2');
    expect(vlm(40)).toBe('detect 20/50  40%  4 img/s  ETA 0:08  e'); // 39 columns: cut only when the essentials alone do not fit
    expect(renderProgress(snapshot({ done: 0, etaMs: undefined, imagesPerSecond: 0 }), 120, { label: 'detect' })).toContain('ETA -:--');
  });

  it('formats durations and counts compactly', () => {
    expect([formatDuration(7_500), formatDuration(3_725_000)]).toEqual(['0:08', '1:02:05']);
    expect([0.42, 4.25, 42.5, 420, 4200, 42_000, 4_200_000].map(formatCount)).toEqual(['0.42', '4.3', '42.5', '420', '4.2k', '42k', '4.2M']);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('ocrdet detect progress in a terminal', () => {
  const run = (quiet: boolean) => {
    assertBuilt(['cli/detect', 'cli/progress', 'batch/run']);
    const work = mkdtempSync(join(tmpdir(), 'ocrdet-progress-'));
    mkdirSync(join(work, 'images'));
    const fixtures = join(REPO, 'test', 'fixtures', 'batch');
    for (const name of readdirSync(fixtures)) copyFileSync(join(fixtures, name), join(work, 'images', name));
    const command = `${process.execPath} ${CLI} detect images --out dets.jsonl --no-text --concurrency 1${quiet ? ' --quiet' : ''}`;
    return execFileSync('script', ['-qec', command, '/dev/null'], { cwd: work, encoding: 'utf8' });
  };

  it('draws the bar (redrawn in place) on a terminal', () => {
    const output = run(false);
    expect(output).toContain('\r\x1b[2K');
    expect(output).toMatch(/detect \[[#.]+\] \d+\/5 +\d+% +[\d.]+ img\/s +ETA/);
    expect(output).toMatch(/detect: 5 images done, 0 failed/);
  }, 120_000);

  it('draws nothing with --quiet', () => {
    expect(run(true)).toBe('');
  }, 120_000);
});
