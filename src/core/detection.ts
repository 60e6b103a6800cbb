/**
 * The JSON form of a Detection, as results files hold it, checked where it enters.
 */
import { z } from 'zod';
import { isErrorCode, parseErrorLine } from './errors.js';
import type { DetectionError } from './types.js';

/**
 * A failed image's `error`: `{ code, message }`, or the `CODE: message` line that files of earlier versions
 * hold. Both read as `{ code, message }`; a code outside the error table reads as OCRDET_INTERNAL.
 */
export const DetectionErrorSchema = z.union([
  z.string().transform((line): DetectionError => parseErrorLine(line)),
  z.object({ code: z.string(), message: z.string() }).transform(({ code, message }): DetectionError =>
    isErrorCode(code) ? { code, message } : { code: 'OCRDET_INTERNAL', message: `${code}: ${message}` },
  ),
]);
