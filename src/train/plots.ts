/**
 * Training curves as files: loss, accuracy, learning rate and GPU memory against the step, written as
 * SVG and PNG. Charts are Vega-Lite specs compiled to Vega and rendered headless (vega's View with no
 * renderer → toSVG); PNG goes through src/image/render.ts (the only door to sharp).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import type { EvalPoint, SwiftLogEvent, TrainPoint } from './logging.js';

export type PlotName = 'loss' | 'accuracy' | 'learning-rate' | 'memory';
export type PlotFormat = 'svg' | 'png';

interface SeriesPoint {
  step: number;
  value: number;
  series: 'train' | 'eval';
}

interface PlotDefinition {
  name: PlotName;
  title: string;
  axisTitle: string;
  /** d3-format for the value axis. */
  format?: string;
  /** Line interpolation: 'step-before' for a peak since the previous log line. */
  interpolate?: 'linear' | 'step-before';
  train: (p: TrainPoint) => number | undefined;
  eval?: (p: EvalPoint) => number | undefined;
}

const PLOTS: readonly PlotDefinition[] = [
  { name: 'loss', title: 'Loss', axisTitle: 'loss', train: (p) => p.loss, eval: (p) => p.loss },
  { name: 'accuracy', title: 'Token accuracy', axisTitle: 'accuracy', format: '.0%', train: (p) => p.accuracy, eval: (p) => p.accuracy },
  { name: 'learning-rate', title: 'Learning rate', axisTitle: 'learning rate', format: '.1e', train: (p) => p.learningRate },
  { name: 'memory', title: 'GPU memory (peak reserved, rank 0)', axisTitle: 'GiB', interpolate: 'step-before', train: (p) => p.memoryGiB },
];

const COLORS = { train: '#1f77b4', eval: '#d62728' };
/** Pixels kept free at both ends of the step axis: more than an eval dot's radius (size 90: vega's circle fills a √90 px square, r ≈ 4.7 px). */
const X_PADDING_PX = 8;

function seriesOf(events: readonly SwiftLogEvent[], plot: PlotDefinition): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  const add = (step: number, value: number | undefined, series: SeriesPoint['series']) => {
    if (value !== undefined && Number.isFinite(value)) points.push({ step, value, series });
  };
  for (const event of events) {
    if (event.kind === 'train') add(event.step, plot.train(event), 'train');
    else if (event.kind === 'eval') add(event.step, plot.eval?.(event), 'eval');
  }
  return points;
}

/** The Vega-Lite spec of one plot (exported for tests and for users who want to restyle it). */
export function plotSpec(plot: PlotDefinition, points: SeriesPoint[], subtitle?: string): Record<string, unknown> {
  const series = [...new Set(points.map((p) => p.series))];
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: series, range: series.map((s) => COLORS[s]) },
    // Above the plot, not inside it: curves reach every corner of some plots.
    legend: series.length > 1 ? { orient: 'top', direction: 'horizontal', symbolSize: 120 } : null,
  };
  const lastStep = Math.max(...points.map((p) => p.step));
  // Room inside the frame for the eval dot at the last step, which would else sit half outside it on the edge.
  const x = { field: 'step', type: 'quantitative', title: 'step', scale: { domain: [0, lastStep], nice: false, padding: X_PADDING_PX }, axis: { tickMinStep: 1 } };
  const y = { field: 'value', type: 'quantitative', title: plot.axisTitle, scale: { zero: false }, axis: plot.format ? { format: plot.format } : {} };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 300,
    background: 'white',
    padding: 12,
    title: { text: plot.title, ...(subtitle ? { subtitle } : {}), anchor: 'start', fontSize: 16, subtitleFontSize: 11 },
    data: { values: points },
    layer: [
      { transform: [{ filter: "datum.series === 'train'" }], mark: { type: 'line', strokeWidth: 1.6, interpolate: plot.interpolate ?? 'linear' }, encoding: { x, y, color } },
      { transform: [{ filter: "datum.series === 'eval'" }], mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y, color } },
    ],
    config: { font: 'DejaVu Sans, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' }, legend: { labelFontSize: 12 }, view: { stroke: '#bbbbbb' } },
  };
}

/** Renders a Vega-Lite spec to SVG text, headless. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface WritePlotsOptions {
  formats?: readonly PlotFormat[];
  /** Shown under each title (the run directory's name). */
  subtitle?: string;
}

/** Writes every plot that has data to `dir` (created); returns the files written. */
export async function writeRunPlots(events: readonly SwiftLogEvent[], dir: string, options: WritePlotsOptions = {}): Promise<string[]> {
  const formats = options.formats ?? ['svg', 'png'];
  makeDirectory(dir);
  const written: string[] = [];
  for (const plot of PLOTS) {
    const points = seriesOf(events, plot);
    if (points.length === 0) continue;
    const svg = await renderSvg(plotSpec(plot, points, options.subtitle));
    if (formats.includes('svg')) {
      const path = join(dir, `${plot.name}.svg`);
      await writeFile(path, svg);
      written.push(path);
    }
    if (formats.includes('png')) {
      const { svgToPng } = await import('../image/render.js');
      const path = join(dir, `${plot.name}.png`);
      await writeFile(path, await svgToPng(svg));
      written.push(path);
    }
  }
  return written;
}
