/**
 * How an image reaches `POST /v1/detect`, and what a client is told when it sends something else. Three forms:
 *
 * - the raw body, `Content-Type: image/*` or `application/octet-stream` (optional `?name=`);
 * - JSON `{ "image": "<base64 or data: URL>", "name"? }`;
 * - `multipart/form-data` with a file field `image` and an optional text field `name` (what `curl -F` and an
 *   HTML form send), parsed by @fastify/multipart, the fastify team's plugin (busboy underneath).
 *
 * Problems are one sentence each, joined with "; " after the route: `POST /v1/detect body: "image" is
 * required (a base64 string or data: URL); unknown field "img"`.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadImageError, UsageError } from '../core/errors.js';

/** The longest `name` accepted, in characters (it is echoed into the Detection). */
const MAX_NAME_CHARS = 500;

export const jsonBodySchema = z.object({ image: z.string().min(1), name: z.string().min(1).max(MAX_NAME_CHARS).optional() }).strict();

const WHERE = 'POST /v1/detect body';

const IMAGE_FORMS = 'a base64 string or data: URL';

const ACCEPTED_FORMS =
  'send the image or PDF as the body (Content-Type: image/*, application/pdf or application/octet-stream), ' +
  `as multipart/form-data with a file field "image", or as JSON {"image": "<${IMAGE_FORMS}>"}`;

/** An image, the name given for it (`name` field) and the name of the file it came from (multipart), if any. */
export interface Upload {
  image: Buffer;
  name?: string;
  fileName?: string;
}

const quoted = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(', ');

/** One phrase per zod issue of the JSON body; what `body` actually held decides between "required" and "must be". */
function describeIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length === 1 ? '' : 's'} ${quoted(issue.keys)}`;
  const field = issue.path[0];
  if (field === 'image') {
    if (body.image === undefined) return `"image" is required (${IMAGE_FORMS})`;
    if (body.image === '') return `"image" is empty`;
    return `"image" must be ${IMAGE_FORMS}, not ${describeValue(body.image)}`;
  }
  if (field === 'name') return `"name" must be a string of 1 to ${MAX_NAME_CHARS} characters`;
  return issue.path.length ? `${JSON.stringify(issue.path.join('.'))}: ${issue.message}` : issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Reads the JSON form: one UsageError naming every problem in one sentence. */
export function parseJsonBody(body: unknown): Upload {
  if (body === undefined) throw new UsageError(`POST /v1/detect: no image was sent; ${ACCEPTED_FORMS}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`${WHERE}: expected a JSON object {"image": "<${IMAGE_FORMS}>"}, got ${describeValue(body)}`);
  }
  const record = body as Record<string, unknown>;
  const result = jsonBodySchema.safeParse(record);
  if (!result.success) {
    const problems = [...new Set(result.error.issues.map((issue) => describeIssue(issue, record)))];
    throw new UsageError(`${WHERE}: ${problems.join('; ')}`, { cause: result.error });
  }
  return { image: decodeImageField(result.data.image), ...(result.data.name ? { name: result.data.name } : {}) };
}

/** Decodes `data:image/png;base64,…` or bare base64; anything else is a usage error. */
export function decodeImageField(value: string): Buffer {
  const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(value);
  if (match && !match[2]) throw new UsageError('"image": a data: URL must be base64-encoded (";base64,")');
  const base64 = (match ? match[3] : value).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) throw new UsageError('"image": expected base64 or a data: URL');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new BadImageError('"image": empty image');
  return bytes;
}

/**
 * Reads the multipart form: the file field `image` (its file name is the default name) and the text field
 * `name`. Other fields are refused like unknown JSON fields. The plugin's limits (one file, its size) raise
 * its own errors, which the server's error handler turns into 413s; a malformed body is a UsageError.
 */
export async function readMultipartUpload(request: FastifyRequest): Promise<Upload> {
  let image: Buffer | undefined;
  let fileName: string | undefined;
  let name: string | undefined;
  let imageAsText = false;
  const unknown: string[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file' && part.fieldname === 'image') {
        image = await part.toBuffer();
        fileName = part.filename || undefined;
      } else if (part.type === 'field' && part.fieldname === 'name' && typeof part.value === 'string') {
        name = part.value;
      } else if (part.type === 'field' && part.fieldname === 'image') {
        imageAsText = true;
      } else {
        if (part.type === 'file') part.file.resume();
        unknown.push(part.fieldname);
      }
    }
  } catch (error) {
    // The plugin's own errors carry an HTTP status; busboy's (no boundary, cut-off body) do not.
    if ((error as { statusCode?: number }).statusCode) throw error;
    throw new UsageError(`${WHERE}: unreadable multipart/form-data (${(error as Error).message})`, { cause: error });
  }
  const problems: string[] = [];
  if (!image) problems.push(`a file field "image" is required${imageAsText ? ', not a text field' : ''} (curl -F image=@photo.jpg …)`);
  if (name !== undefined && (name.length === 0 || name.length > MAX_NAME_CHARS)) problems.push(`"name" must be a string of 1 to ${MAX_NAME_CHARS} characters`);
  if (unknown.length) problems.push(`unknown field${unknown.length === 1 ? '' : 's'} ${quoted(unknown)}`);
  if (problems.length || !image) throw new UsageError(`${WHERE}: ${problems.join('; ')}`);
  return { image, ...(name !== undefined ? { name } : {}), ...(fileName ? { fileName } : {}) };
}

/** The 415 message: the forms accepted, and a curl line for the first, against this very server. */
export function unsupportedMediaMessage(contentType: string | undefined, host: string | undefined): string {
  const got = contentType ? `Content-Type "${contentType.split(';')[0].trim()}"` : 'a body without Content-Type';
  const url = `http://${host ?? 'HOST:PORT'}/v1/detect`;
  return `${got} is not accepted: ${ACCEPTED_FORMS}; e.g. curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg' ${url}`;
}
