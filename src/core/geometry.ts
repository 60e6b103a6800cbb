/**
 * Plane geometry over plain arrays, one module per concern: polygon maths (./polygon.ts), rectangles
 * (./rectangles.ts), point order and EXIF orientation (./orientation.ts), reading order
 * (./reading-order.ts). This module gathers them for the rest of ocrdet.
 */
export {
  boundsOf,
  clipConvex,
  clipPoints,
  convexHull,
  dedupePoints,
  generalIntersectionArea,
  intersectionArea,
  isAxisAlignedRect,
  isConvex,
  isSimplePolygon,
  polygonArea,
  polygonIoU,
  segmentsIntersect,
  signedArea,
} from './polygon.js';
export { boxArea, boxIoU, boxToPoints, clipPolygonToBox, minAreaRect, type RotatedRect } from './rectangles.js';
export { applyExifOrientation, makeRegion, orderClockwise, turnPoints, turnedSize } from './orientation.js';
export { sortReadingOrder } from './reading-order.js';
