/**
 * What every format needs from a Detection: its blocks in reading order (the detector's, or grouped here
 * for Detections without them, e.g. from a multimodal LLM or an older results file), each with its lines.
 */
import { groupBlocks } from '../core/blocks.js';
import type { Box, Detection, Region } from '../core/types.js';

export interface FormatBlock {
  box: Box;
  lines: Region[];
}

/** The Detection's blocks with their lines, in reading order; every region appears once. */
export function blocksOf(detection: Detection): FormatBlock[] {
  const blocks = detection.blocks ?? groupBlocks(detection.regions);
  return blocks.map((block) => ({ box: block.box, lines: block.lines.map((i) => detection.regions[i]).filter((r): r is Region => r !== undefined) }));
}

/** A box as integers that still contain it: floor the top-left, ceil the bottom-right. */
export function integerBox(box: Box): Box {
  return [Math.max(0, Math.floor(box[0])), Math.max(0, Math.floor(box[1])), Math.ceil(box[2]), Math.ceil(box[3])];
}

/** Escapes text for XML content and double-quoted attributes; drops characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
