/**
 * What the embedded det model adds to a multimodal model's answer, from one det pass over the image
 * (src/detectors/ppocr/text-map.ts): each region's `agreement` with the embedded detection (./agreement.ts),
 * the page's, and with `snap` each box refined to the text's quadrilateral (./snap.ts). Shared by the
 * detector and `ocrdet reparse`, so a re-parse with snapping gives exactly what detection gave.
 */
import type { Region } from '../../core/types.js';
import type { TextMap, TextMapper } from '../ppocr/text-map.js';
import type { PpocrOptions } from '../ppocr/options.js';
import { agreementOf } from './agreement.js';
import { snapRegions } from './snap.js';

/** A region of a model's answer, checked: its agreement, and with snapping whether its points are the text's quad. */
export type CheckedRegion = Region & { agreement: number; snapped?: boolean };

export interface TextCheckOptions {
  /** Refine each box to the text's quadrilateral where the det model finds one. */
  snap: boolean;
}

export interface CheckedAnswer {
  regions: CheckedRegion[];
  /** The page's agreement (./agreement.ts). */
  agreement: number;
  /** Regions refined to a quadrilateral (with `snap`). */
  snapped: number;
}

/** Agreement (always) and snapping (with `snap`) of a model's regions against one det pass of their image. */
export function checkRegions(regions: readonly Region[], textMap: TextMap, options: TextCheckOptions): CheckedAnswer {
  // Agreement judges the model's own boxes: after snapping they would be drawn from the det map itself.
  const agreement = agreementOf(regions, textMap.boxes);
  const refined: (Region & { snapped?: boolean })[] = options.snap ? snapRegions(regions, textMap) : [...regions];
  const checked = refined.map((region, i): CheckedRegion => ({ ...region, agreement: agreement.regions[i] }));
  return { regions: checked, agreement: agreement.page, snapped: checked.filter((r) => r.snapped).length };
}

/**
 * The embedded det model for checking answers, loaded on first use: importing this module loads neither
 * onnxruntime-node nor the det module (both come with the first `createTextChecker`).
 */
export async function createTextChecker(options: PpocrOptions = {}): Promise<TextMapper> {
  const { createTextMapper } = await import('../ppocr/text-map.js');
  return createTextMapper(options);
}
