/**
 * Options of the embedded PP-OCRv4 detector: one frozen DEFAULTS object (PaddleOCR's inference defaults,
 * each with where it comes from), one zod schema that validates user options and fills in the defaults.
 *
 * Sources: PaddlePaddle/PaddleOCR tools/infer/utility.py (`parse_args` defaults), tools/infer/predict_det.py,
 * predict_rec.py, predict_cls.py, ppocr/postprocess/db_postprocess.py.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { IMAGE_DEFAULTS } from '../../image/decode.js';

export const DEFAULTS = Object.freeze({
  /** Recognise the text of each region. PaddleOCR's system pipeline always does (predict_system.py). */
  text: true,
  /** Run the 0°/180° direction classifier before recognition. PaddleOCR's `use_angle_cls` default: False. */
  cls: false,
  /**
   * With text on, drop regions whose recognition confidence (`textScore`) is below this; 0 keeps all.
   * PaddleOCR's system pipeline does the same with `drop_score` 0.5 (tools/infer/predict_system.py,
   * tools/infer/utility.py). On seed-test it raises det+rec hmean from 0.680 to 0.698 (README).
   * Ignored with text off: detection alone has no text score.
   */
  minTextScore: 0.5,
  /**
   * Find whether a page or photo is turned by 90, 180 or 270 degrees and read it upright ('auto'), or take
   * it as given ('off'). See ./orientation.ts. Default: 'auto' with text on, 'off' with text off (boxes are
   * found on turned pages as well; only their text would be garbage). Decided from bench/orientation.bench.js:
   * turned seed-test photos keep 0.98–0.99× the upright hmean with it (0.22× upside down without: the
   * garbled text falls under minTextScore), for 1.05× the time on upright ones (README).
   */
  orientation: undefined as 'auto' | 'off' | undefined,

  /** Longest (limitType 'max') side of the det input, px. PaddleOCR's `det_limit_side_len` default 960. */
  limitSideLen: 960,
  /** How limitSideLen applies. PaddleOCR's `det_limit_type` default 'max' (shrink only, never enlarge). */
  limitType: 'max' as 'max' | 'min' | 'resize_long',

  /** Probability above which a det map pixel is text. PaddleOCR's `det_db_thresh` default 0.3. */
  binaryThreshold: 0.3,
  /** Mean probability inside a candidate box needed to keep it. PaddleOCR's `det_db_box_thresh` default 0.6. */
  boxScoreThreshold: 0.6,
  /** How far shrunk text kernels are grown back: area × ratio / perimeter. `det_db_unclip_ratio` default 1.5. */
  unclipRatio: 1.5,
  /** Candidates (connected components) examined per image. predict_det.py sets `max_candidates` 1000. */
  maxCandidates: 1000,
  /** Shortest box side kept, in det-map pixels (after unclip: + 2). DBPostProcess's `min_size` = 3. */
  minSide: 3,
  /** Dilate the binary map with a 2×2 kernel first. PaddleOCR's `use_dilation` default False. */
  useDilation: false,

  /** Crops per recognition run. PaddleOCR's `rec_batch_num` default 6. */
  recBatchSize: 6,
  /**
   * Narrowest recognition input, px. PaddleOCR pads every batch to at least 320 (`rec_image_shape`
   * 3,48,320); ocrdet pads only to the widest crop of the batch (sorted by aspect ratio, so crops of
   * similar width share a batch), which costs ~2× less time on short lines. Set 320 for PaddleOCR's input.
   */
  recMinWidthPx: 0,
  /** Append ' ' to the dictionary. PaddleOCR's `use_space_char` default True (the v4 model has 6625 classes). */
  useSpaceChar: true,
  /** Minimum classifier probability to turn a crop by 180°. PaddleOCR's `cls_thresh` default 0.9. */
  clsThreshold: 0.9,
  /** Crops per classifier run. PaddleOCR's `cls_batch_num` default 6. */
  clsBatchSize: 6,

  /**
   * onnxruntime intra-op threads per session. All cores (up to 4): on a 2-vCPU machine 2 threads run the
   * det model ~1.5–1.8× faster than 1 (bench/ppocr.bench.js).
   */
  intraOpThreads: Math.max(1, Math.min(4, availableParallelism())),
  /** onnxruntime inter-op threads (the models are sequential graphs: 1 is enough). */
  interOpThreads: 1,
  /**
   * Let onnxruntime's idle threads spin (busy-wait) between operators (its default). Off here: on a 2-vCPU
   * machine spinning threads take the CPU that decoding, post-processing, a second image in flight or
   * any other process needs; with one other busy process the det model ran 1.5× slower spinning than not
   * (bench/ppocr.bench.js notes in the README).
   */
  threadSpinning: false,
  /** Largest image accepted, in pixels (IMAGE_DEFAULTS of src/image). */
  maxPixels: IMAGE_DEFAULTS.maxPixels,
  /**
   * Worker threads that run the detector, each with its own sessions (src/detectors/workers.ts); 0: in the
   * calling thread. `ocrdet serve` uses 1 (the server stays responsive while a model runs: bench/serve.bench.js);
   * more only pays on a machine with cores to spare (README "More cores").
   */
  workers: 0,
});

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);

/** Options accepted by `createPpocrDetector` / the `ppocr` backend; every field is optional. */
export const ppocrOptionsSchema = z.strictObject({
  /** A directory of user models: see `resolveModelFiles` (src/detectors/ppocr/models.ts) for the file rules. */
  modelDir: z.string().min(1).optional(),
  /** Explicit model files; each overrides what modelDir or the bundled models would give. */
  detModel: z.string().min(1).optional(),
  recModel: z.string().min(1).optional(),
  clsModel: z.string().min(1).optional(),
  dictionary: z.string().min(1).optional(),
  text: z.boolean().default(DEFAULTS.text),
  cls: z.boolean().default(DEFAULTS.cls),
  minTextScore: probability.default(DEFAULTS.minTextScore),
  orientation: z.enum(['auto', 'off']).optional(),
  limitSideLen: positiveInt.default(DEFAULTS.limitSideLen),
  limitType: z.enum(['max', 'min', 'resize_long']).default(DEFAULTS.limitType),
  binaryThreshold: probability.default(DEFAULTS.binaryThreshold),
  boxScoreThreshold: probability.default(DEFAULTS.boxScoreThreshold),
  unclipRatio: z.number().positive().default(DEFAULTS.unclipRatio),
  maxCandidates: positiveInt.default(DEFAULTS.maxCandidates),
  minSide: z.number().min(0).default(DEFAULTS.minSide),
  useDilation: z.boolean().default(DEFAULTS.useDilation),
  recBatchSize: positiveInt.default(DEFAULTS.recBatchSize),
  recMinWidthPx: z.number().int().min(0).default(DEFAULTS.recMinWidthPx),
  useSpaceChar: z.boolean().default(DEFAULTS.useSpaceChar),
  clsThreshold: probability.default(DEFAULTS.clsThreshold),
  clsBatchSize: positiveInt.default(DEFAULTS.clsBatchSize),
  intraOpThreads: positiveInt.default(DEFAULTS.intraOpThreads),
  interOpThreads: positiveInt.default(DEFAULTS.interOpThreads),
  threadSpinning: z.boolean().default(DEFAULTS.threadSpinning),
  maxPixels: positiveInt.default(DEFAULTS.maxPixels),
  workers: z.number().int().min(0).max(64).default(DEFAULTS.workers),
});

/** What callers pass (all optional). */
export type PpocrOptions = z.input<typeof ppocrOptionsSchema>;
/** The validated, complete, frozen options used inside the detector. */
export type ResolvedPpocrOptions = Readonly<z.output<typeof ppocrOptionsSchema>>;
