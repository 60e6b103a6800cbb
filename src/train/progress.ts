/** One-line renderings of log events for a live terminal (pure string functions; the CLI draws them). */
import { formatDuration, type EvalPoint, type TrainPoint } from './logging.js';

function shortNumber(value: number): string {
  return Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential(2).replace(/\.?0+e/, 'e') : String(Number(value.toPrecision(3)));
}

/** Seconds left: ms-swift's own estimate when it wrote one, else steps left × seconds per step. */
export function etaSeconds(point: TrainPoint): number | undefined {
  if (point.remainingS !== undefined) return point.remainingS;
  if (point.maxSteps === undefined || point.secondsPerStep === undefined) return undefined;
  return (point.maxSteps - point.step) * point.secondsPerStep;
}

/** `step 215/740 (29.05%) · epoch 1.45 · loss 0.8123 · acc 0.8011 · lr 7.9e-5 · 67.16 GiB · 10.45 s/step · ETA 1h 31m 2s` */
export function formatProgressLine(point: TrainPoint): string {
  const parts = [`step ${point.step}${point.maxSteps ? `/${point.maxSteps}` : ''}${point.percent !== undefined ? ` (${point.percent.toFixed(2)}%)` : ''}`];
  if (point.epoch !== undefined) parts.push(`epoch ${point.epoch.toFixed(2)}`);
  if (point.loss !== undefined) parts.push(`loss ${point.loss.toFixed(4)}`);
  if (point.accuracy !== undefined) parts.push(`acc ${point.accuracy.toFixed(4)}`);
  if (point.learningRate !== undefined) parts.push(`lr ${shortNumber(point.learningRate)}`);
  if (point.memoryGiB !== undefined) parts.push(`${point.memoryGiB.toFixed(2)} GiB`);
  if (point.secondsPerStep !== undefined) parts.push(`${point.secondsPerStep.toFixed(2)} s/step`);
  const eta = etaSeconds(point);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' · ');
}

/** `eval @ step 740 (epoch 4.99): loss 1.2863, accuracy 0.7885` */
export function formatEvalLine(point: EvalPoint): string {
  const epoch = point.epoch !== undefined ? ` (epoch ${point.epoch.toFixed(2)})` : '';
  const accuracy = point.accuracy !== undefined ? `, accuracy ${point.accuracy.toFixed(4)}` : '';
  return `eval @ step ${point.step}${epoch}: loss ${point.loss.toFixed(4)}${accuracy}`;
}
