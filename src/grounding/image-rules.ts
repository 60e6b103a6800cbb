/**
 * How each model family turns an image into what its vision encoder sees — the "pixel budget" of a dialect —
 * as pure arithmetic on sizes: the canvas the image is resized to, the tiles cut from it, and how many image
 * tokens that costs. Training (ms-swift) and serving (swift deploy, vLLM) apply the same rule, so what an image
 * costs in a training row and the size to send it at detect time both come from here.
 *
 * Kinds, with the code each follows (read, not copied):
 * - `tiles` (InternVL 1.5/2/2.5/3): dynamic_preprocess — the grid of tileSize tiles (1…maxTiles of them) whose
 *   aspect ratio is closest to the image's (on a tie, the larger grid when the image covers more than half of
 *   it), the image stretched to that grid, plus a thumbnail of the whole image when there is more than one
 *   tile; tokensPerTile per tile. ms-swift v3.12.6 swift/llm/template/vision_utils.py lines 36–83 and
 *   template/internvl.py lines 27–29, 137–139 (INPUT_SIZE 448, MAX_NUM 12, (448 // 14)² × 0.5² = 256 tokens);
 *   ms-swift v2.4.2 swift/llm/utils/template.py lines 1996–1998 (the same variables); vllm-project/vllm@b32b213
 *   vllm/model_executor/models/internvl.py (the same rule, max_dynamic_patch from --mm-processor-kwargs).
 * - `smart-resize` (Qwen2-VL, Qwen2.5-VL: factor 28; Qwen3-VL: factor 32): sides rounded to multiples of the
 *   factor within [minPixels, maxPixels] (smart-resize.ts), one token per factor × factor block.
 *   QwenLM/Qwen2.5-VL@f0af299 qwen-vl-utils vision_process.py lines 25–83; QwenLM/Qwen3-VL@9658872 qwen-vl-utils
 *   vision_process.py lines 24–83 (factor = patch 16 × merge 2); ms-swift v3.12.6 swift/llm/model/model/qwen.py
 *   lines 713–775 (MAX_PIXELS / MIN_PIXELS from the environment, in tokens for qwen-vl-utils ≥ 0.0.14) and
 *   v2.6.1 swift/llm/utils/template.py lines 1574–1597.
 * - `fixed` (Qwen-VL 448², Florence-2 768², PaliGemma 224²/448²/896²): every image stretched to one size, a
 *   fixed number of tokens.
 * - `anyres` (DeepSeek-VL2): the candidate canvas of tileSize tiles (at most maxTiles) that keeps most of the
 *   image's resolution, the image fitted into it with padding, plus a global view; 14 × 14 tokens per 384-px
 *   view with a newline token per row. deepseek-ai/DeepSeek-VL2@ef9f91e deepseek_vl2/models/processing_deepseek_vl_v2.py
 *   lines 34–52 (select_best_resolution) and 543–578 (views and token count); candidate canvases m × n tiles
 *   with m·n ≤ 9 and SigLIP-SO400M/14 at 384 px (27 × 27 patches, 2 × 2 downsampled to 14 × 14): the
 *   DeepSeek-VL2 paper (arXiv 2412.10302) §2.
 */
import { z } from 'zod';
import type { ImageSize } from '../core/types.js';
import { roundHalfEven } from './numbers.js';
import { smartResize } from './smart-resize.js';

const positiveInt = z.number().int().positive();

export const TilesRuleSchema = z.strictObject({
  kind: z.literal('tiles'),
  tileSize: positiveInt,
  minTiles: positiveInt,
  maxTiles: positiveInt,
  thumbnail: z.boolean(),
  tokensPerTile: positiveInt,
});
export const SmartResizeRuleSchema = z.strictObject({
  kind: z.literal('smart-resize'),
  factor: positiveInt,
  minPixels: positiveInt,
  maxPixels: positiveInt,
});
export const FixedRuleSchema = z.strictObject({
  kind: z.literal('fixed'),
  width: positiveInt,
  height: positiveInt,
  tokens: positiveInt,
});
export const AnyresRuleSchema = z.strictObject({
  kind: z.literal('anyres'),
  tileSize: positiveInt,
  maxTiles: positiveInt,
  /** Tokens along a view's side (14 for DeepSeek-VL2's 384-px views). */
  tokensPerSide: positiveInt,
});

/** A family's image rule, as the data record stores it. */
export const ImageRuleSchema = z.discriminatedUnion('kind', [TilesRuleSchema, SmartResizeRuleSchema, FixedRuleSchema, AnyresRuleSchema]);
export type ImageRule = z.infer<typeof ImageRuleSchema>;
export type TilesRule = z.infer<typeof TilesRuleSchema>;
export type SmartResizeRule = z.infer<typeof SmartResizeRuleSchema>;
export type FixedRule = z.infer<typeof FixedRuleSchema>;
export type AnyresRule = z.infer<typeof AnyresRuleSchema>;

/** InternVL 1.5/2/2.5/3 as ms-swift trains them (INPUT_SIZE 448, MAX_NUM 12, thumbnail on). */
export const INTERNVL_TILES: TilesRule = Object.freeze({ kind: 'tiles', tileSize: 448, minTiles: 1, maxTiles: 12, thumbnail: true, tokensPerTile: 256 });
/**
 * Qwen2-VL and Qwen2.5-VL at ms-swift's grounding budget, MAX_PIXELS=1003520 (1280 blocks of 28 × 28): ms-swift
 * v3.12.6 examples/train/multimodal/grounding.sh line 4 and examples/notebook/qwen2_5-vl-grounding/zh.ipynb.
 * MIN_PIXELS stays qwen-vl-utils' default, 4 × 28 × 28.
 */
export const QWEN2_VL_RESIZE: SmartResizeRule = Object.freeze({ kind: 'smart-resize', factor: 28, minPixels: 4 * 28 * 28, maxPixels: 1280 * 28 * 28 });
/** Qwen3-VL at ms-swift's budget of 1024 blocks of 32 × 32 (v3.12.6 examples/models/qwen3_vl/mcore.sh, IMAGE_MAX_TOKEN_NUM=1024). */
export const QWEN3_VL_RESIZE: SmartResizeRule = Object.freeze({ kind: 'smart-resize', factor: 32, minPixels: 4 * 32 * 32, maxPixels: 1024 * 32 * 32 });
/** Qwen-VL: 448 × 448 (QwenLM/Qwen-VL@aa00ed0 README.md line 159), 256 tokens (its tokenizer's IMG_TOKEN_SPAN). */
export const QWEN_VL_FIXED: FixedRule = Object.freeze({ kind: 'fixed', width: 448, height: 448, tokens: 256 });
/** Florence-2: 768 × 768, 577 image tokens (the checkpoints' preprocessor image_seq_length). */
export const FLORENCE2_FIXED: FixedRule = Object.freeze({ kind: 'fixed', width: 768, height: 768, tokens: 577 });
/** PaliGemma 2 at 448 px (paligemma2-3b-pt-448): (448 / 14)² = 1024 tokens (big_vision PaliGemma README, SigLIP-So400m/14). */
export const PALIGEMMA_448: FixedRule = Object.freeze({ kind: 'fixed', width: 448, height: 448, tokens: 1024 });
/** DeepSeek-VL2: 384-px tiles, canvases of at most 9 tiles. */
export const DEEPSEEK_VL2_TILES: AnyresRule = Object.freeze({ kind: 'anyres', tileSize: 384, maxTiles: 9, tokensPerSide: 14 });

/** What the vision encoder sees of an image: the canvas it is resized to, the tiles, and the token cost. */
export interface ModelView {
  /** The size the image is resized (or, anyres, fitted and padded) to before it is cut into tiles. */
  canvas: ImageSize;
  /** Columns × rows of tiles (tiles and anyres rules). */
  grid?: [columns: number, rows: number];
  /** A whole-image view besides the tiles (InternVL's thumbnail, DeepSeek-VL2's global view). */
  overview: boolean;
  imageTokens: number;
}

/** InternVL's candidate grids: every (columns, rows) with minTiles ≤ columns × rows ≤ maxTiles, by tile count. */
function tileGrids(rule: TilesRule): [number, number][] {
  const grids: [number, number][] = [];
  for (let c = 1; c <= rule.maxTiles; c++) {
    for (let r = 1; r <= rule.maxTiles; r++) if (c * r >= rule.minTiles && c * r <= rule.maxTiles) grids.push([c, r]);
  }
  // Upstream sorts a Python set by tile count; the order within one count is the set's, which matters only
  // for an image exactly midway between two grids' aspect ratios. Here: by count, then by columns.
  return grids.sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0]);
}

function internvlGrid(size: ImageSize, rule: TilesRule): [number, number] {
  const aspect = size.width / size.height;
  const area = size.width * size.height;
  let best: [number, number] = [1, 1];
  let bestDiff = Infinity;
  for (const grid of tileGrids(rule)) {
    const diff = Math.abs(aspect - grid[0] / grid[1]);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = grid;
    } else if (diff === bestDiff && area > 0.5 * rule.tileSize * rule.tileSize * grid[0] * grid[1]) {
      best = grid;
    }
  }
  return best;
}

/** DeepSeek-VL2's canvases, tiles wide × tiles high, at most maxTiles tiles. */
function anyresCanvases(tileSize: number, maxTiles: number): ImageSize[] {
  const canvases: ImageSize[] = [];
  for (let m = 1; m <= maxTiles; m++) for (let n = 1; m * n <= maxTiles; n++) canvases.push({ width: m * tileSize, height: n * tileSize });
  return canvases;
}

function bestCanvas(size: ImageSize, tileSize: number, maxTiles: number): ImageSize {
  let best = { width: tileSize, height: tileSize };
  let bestEffective = 0;
  let leastWaste = Infinity;
  for (const canvas of anyresCanvases(tileSize, maxTiles)) {
    const scale = Math.min(canvas.width / size.width, canvas.height / size.height);
    const effective = Math.min(Math.trunc(size.width * scale) * Math.trunc(size.height * scale), size.width * size.height);
    const waste = canvas.width * canvas.height - effective;
    if (effective > bestEffective || (effective === bestEffective && waste < leastWaste)) {
      bestEffective = effective;
      leastWaste = waste;
      best = canvas;
    }
  }
  return best;
}

/** What the model sees of an image of `size` pixels under `rule`. */
export function modelView(size: ImageSize, rule: ImageRule): ModelView {
  switch (rule.kind) {
    case 'tiles': {
      const grid = internvlGrid(size, rule);
      const tiles = grid[0] * grid[1];
      const overview = rule.thumbnail && tiles > 1;
      return { canvas: { width: grid[0] * rule.tileSize, height: grid[1] * rule.tileSize }, grid, overview, imageTokens: (tiles + (overview ? 1 : 0)) * rule.tokensPerTile };
    }
    case 'smart-resize': {
      const canvas = smartResize(size, rule);
      return { canvas, overview: false, imageTokens: (canvas.width / rule.factor) * (canvas.height / rule.factor) };
    }
    case 'fixed':
      return { canvas: { width: rule.width, height: rule.height }, overview: false, imageTokens: rule.tokens };
    case 'anyres': {
      const canvas = bestCanvas(size, rule.tileSize, rule.maxTiles);
      const columns = canvas.width / rule.tileSize;
      const rows = canvas.height / rule.tileSize;
      const side = rule.tokensPerSide;
      // Global view: side rows of side + 1 tokens; one separator; local views: (rows·side) rows of (columns·side + 1).
      const imageTokens = side * (side + 1) + 1 + rows * side * (columns * side + 1);
      return { canvas, grid: [columns, rows], overview: true, imageTokens };
    }
  }
}

/** Whether smart_resize takes its shrinking branch for `size`: the sides rounded to whole blocks exceed maxPixels. */
function shrinksImage(size: ImageSize, rule: SmartResizeRule): boolean {
  const side = (px: number) => Math.max(rule.factor, roundHalfEven(px / rule.factor) * rule.factor);
  return side(size.width) * side(size.height) > rule.maxPixels;
}

/** True when two views are the same geometry (canvas, tiles, overview, tokens). */
export function sameView(a: ModelView, b: ModelView): boolean {
  return (
    a.canvas.width === b.canvas.width &&
    a.canvas.height === b.canvas.height &&
    a.grid?.[0] === b.grid?.[0] &&
    a.grid?.[1] === b.grid?.[1] &&
    a.overview === b.overview &&
    a.imageTokens === b.imageTokens
  );
}

/** `size` scaled down (never up) to fit inside `box`, keeping its aspect ratio; each side at least 1 px. */
function fitInside(size: ImageSize, box: ImageSize): ImageSize {
  const scale = Math.min(1, box.width / size.width, box.height / size.height);
  if (scale >= 1) return { width: size.width, height: size.height };
  return { width: Math.max(1, Math.trunc(size.width * scale)), height: Math.max(1, Math.trunc(size.height * scale)) };
}

/**
 * The size to send an image of `size` pixels at, so that the server, applying `rule`, sees what training saw
 * for the same image. An image the model would not shrink goes as it is (the server then resizes exactly the
 * pixels training resized). A larger one is shrunk to what the model would see of it: the smart-resized size
 * (a fixed point of smart_resize, so the frame of Qwen2.5-VL's pixel coordinates stays known), InternVL's tile
 * canvas, DeepSeek-VL2's fitted canvas, a fixed-size model's own size — each checked to give the same view
 * again, else the image goes as it is.
 */
export function sendSize(size: ImageSize, rule: ImageRule): ImageSize {
  const view = modelView(size, rule);
  let candidate: ImageSize;
  switch (rule.kind) {
    case 'smart-resize':
      candidate = shrinksImage(size, rule) ? view.canvas : size;
      break;
    case 'fixed':
      candidate = fitInside(size, view.canvas);
      break;
    case 'tiles':
      candidate = size.width * size.height > view.canvas.width * view.canvas.height ? view.canvas : size;
      break;
    case 'anyres':
      candidate = fitInside(size, view.canvas);
      break;
  }
  return sameView(modelView(candidate, rule), view) ? candidate : { width: size.width, height: size.height };
}

/** Most pixels the model looks at per image under `rule` (auto tiling cuts tiles of about this size). */
export function pixelBudget(rule: ImageRule): number {
  switch (rule.kind) {
    case 'tiles':
      return rule.maxTiles * rule.tileSize * rule.tileSize;
    case 'smart-resize':
      return rule.maxPixels;
    case 'fixed':
      return rule.width * rule.height;
    case 'anyres':
      return rule.maxTiles * rule.tileSize * rule.tileSize;
  }
}

/** The rule in a few words, for messages: "tiles of 448 px, at most 12, with a thumbnail". */
export function describeRule(rule: ImageRule): string {
  switch (rule.kind) {
    case 'tiles':
      return `tiles of ${rule.tileSize} px, ${rule.minTiles}–${rule.maxTiles} of them${rule.thumbnail ? ', with a thumbnail' : ''}`;
    case 'smart-resize':
      return `smart_resize to multiples of ${rule.factor} px, ${rule.minPixels}–${rule.maxPixels} pixels`;
    case 'fixed':
      return `resized to ${rule.width}×${rule.height}`;
    case 'anyres':
      return `canvases of up to ${rule.maxTiles} tiles of ${rule.tileSize} px with a global view`;
  }
}
