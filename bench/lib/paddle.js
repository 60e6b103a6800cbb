/**
 * Finds PaddleOCR's evaluator and a Python with shapely, and runs bench/lib/paddle-eval.py.
 * PaddleOCR's ppocr/metrics/eval_det_iou.py is never part of ocrdet: it is looked for at
 * $PADDLEOCR_EVAL_DET_IOU, then bench/.cache/eval_det_iou.py (gitignored). Python: $OCRDET_BENCH_PYTHON, else
 * Debian's /usr/bin/python3 (where python3-shapely installs), else python3 on PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HOW_TO_GET = [
  "PaddleOCR's evaluator is not part of ocrdet; to compare against it, save it once:",
  `  curl -fsSL -o ${path.relative(process.cwd(), path.join(benchDir, '.cache', 'eval_det_iou.py'))} --create-dirs \\`,
  '    https://raw.githubusercontent.com/PaddlePaddle/PaddleOCR/main/ppocr/metrics/eval_det_iou.py',
  '  (or set PADDLEOCR_EVAL_DET_IOU=/path/to/eval_det_iou.py), and install shapely: apt-get install python3-shapely',
].join('\n');

/** `{ evaluator, python }`, or `{ skipped: reason }` with how to get what is missing. */
export function findPaddle() {
  const candidates = [process.env.PADDLEOCR_EVAL_DET_IOU, path.join(benchDir, '.cache', 'eval_det_iou.py')].filter(Boolean);
  const evaluator = candidates.find((p) => existsSync(p));
  if (!evaluator) return { skipped: `PaddleOCR's eval_det_iou.py not found (looked at ${candidates.join(', ')})\n${HOW_TO_GET}` };
  const pythons = [process.env.OCRDET_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const python of pythons) {
    const probe = spawnSync(python, ['-c', 'import shapely, numpy; print(shapely.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { evaluator, python, shapely: probe.stdout.trim() };
  }
  return { skipped: `no Python with shapely and numpy (tried ${pythons.join(', ')})\n${HOW_TO_GET}` };
}

/** Runs PaddleOCR's evaluator on a paddle JSON file: `{ seconds, metrics, perImage }`. */
export function runPaddle(paddle, dataFile, { iou = 0.5, areaPrecision = 0.5 } = {}) {
  const result = spawnSync(
    paddle.python,
    [path.join(benchDir, 'lib', 'paddle-eval.py'), paddle.evaluator, dataFile, String(iou), String(areaPrecision)],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (result.status !== 0) throw new Error(`PaddleOCR evaluator failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout);
}
