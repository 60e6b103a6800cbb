/**
 * What the client's fetch does to each response before the `openai` SDK reads it: bound the bytes read
 * (a server that sends 30 MB, or never stops, must not take the process's memory), and put the error bodies
 * of vLLM and ms-swift into the shape the SDK reads its messages from.
 */

/** Room for the JSON around an answer: ids, usage, ms-swift's images_size, a server's own extra fields. */
export const ANSWER_ENVELOPE_BYTES = 64 * 1024;

/**
 * Bytes one answer token can take in a response body. A token is a few characters (the longest tokens of
 * the Qwen2 and InternLM2 vocabularies are runs of spaces or dashes of a few dozen), and a character
 * JSON-escaped as `\uXXXX` (Python's json.dumps escapes everything outside ASCII by default) is 6 bytes:
 * 256 is far above what a real answer reaches, and far below what a runaway server sends.
 */
export const ANSWER_BYTES_PER_TOKEN = 256;

/** The most bytes read from one response of a server asked for `maxTokens` answer tokens. */
export function maxAnswerBytes(maxTokens: number): number {
  return ANSWER_ENVELOPE_BYTES + maxTokens * ANSWER_BYTES_PER_TOKEN;
}

/** A response body longer than the limit: the client stops reading and closes the connection. */
export class AnswerTooLargeError extends Error {
  constructor(
    readonly limitBytes: number,
    readonly declaredBytes?: number,
  ) {
    super(`the response body is larger than ${limitBytes} bytes${declaredBytes !== undefined ? ` (Content-Length ${declaredBytes})` : ''}`);
    this.name = 'AnswerTooLargeError';
  }
}

/** The AnswerTooLargeError somewhere in an error's cause chain (the SDK wraps what fetch throws), if any. */
export function answerTooLarge(error: unknown): AnswerTooLargeError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof AnswerTooLargeError) return e;
  }
  return undefined;
}

/**
 * The same response, whose body errors with AnswerTooLargeError once more than `limitBytes` came (at once,
 * from Content-Length, when the server announces it). Erroring the stream cancels the source, which closes
 * the connection: nothing past the limit is read.
 */
export async function boundedBody(response: Response, limitBytes: number): Promise<Response> {
  const declared = Number.parseInt(response.headers.get('content-length') ?? '', 10);
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnswerTooLargeError(limitBytes, declared);
  }
  if (!response.body) return response;
  let seen = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limitBytes) controller.error(new AnswerTooLargeError(limitBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * vLLM and ms-swift deploy put an error's message at the top level of the body (`{"object": "error",
 * "message": …}`); OpenAI, and so the SDK, expect it under `error`. Failed responses are rewritten to the
 * OpenAI shape so that the server's message (e.g. "maximum context length is 4096 tokens") reaches the user.
 */
export async function openAiErrorShape(response: Response): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch((error: unknown) => {
    if (answerTooLarge(error)) throw error;
    return '';
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  const message = record && record.error === undefined ? (record.message ?? record.detail) : undefined;
  const fixed = message !== undefined ? JSON.stringify({ error: { message: typeof message === 'string' ? message : JSON.stringify(message) } }) : text;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (message !== undefined) headers.set('content-type', 'application/json');
  return new Response(fixed, { status: response.status, statusText: response.statusText, headers });
}
