/**
 * The grounding dialects, one file each, behind one typed registry. `getDialect('internvl3')` finds a
 * dialect by name or alias (case-insensitive); an unknown name is a UsageError listing the known ones.
 */
import { createRegistry, type Registry } from '../core/registry.js';
import { deepseekVl2 } from './deepseek-vl2.js';
import { florence2 } from './florence-2.js';
import { internvl2 } from './internvl2.js';
import { paligemma } from './paligemma.js';
import { qwen2Vl } from './qwen2-vl.js';
import { qwen25Vl } from './qwen2.5-vl.js';
import { qwen3Vl } from './qwen3-vl.js';
import { qwenVl } from './qwen-vl.js';
import type { GroundingDialect } from './types.js';

export const dialects: Registry<GroundingDialect> = createRegistry<GroundingDialect>('grounding dialect', [
  internvl2,
  qwenVl,
  qwen2Vl,
  qwen25Vl,
  qwen3Vl,
  florence2,
  paligemma,
  deepseekVl2,
]);

export function getDialect(name: string): GroundingDialect {
  return dialects.get(name);
}

export { smartResize, QWEN25_RESIZE_DEFAULTS, type SmartResizeOptions } from './smart-resize.js';
export { GRID_KINDS, type GridKind, type Layout } from './grids.js';
export { ImageRuleSchema, modelView, sendSize, sameView, pixelBudget, describeRule, type ImageRule, type ModelView } from './image-rules.js';
export { FAMILIES, FAMILY_NAMES, familyOfDialect, type FamilyName, type ModelFamily } from './families.js';
export type {
  CoordinateGrid,
  DialectPrompts,
  FormatOptions,
  GroundingDialect,
  GroundingTask,
  ParseOptions,
  ParseResult,
} from './types.js';
