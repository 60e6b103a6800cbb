/**
 * A PROTOCOL DOUBLE of an OpenAI-compatible model server (what ms-swift deploy, vLLM and Ollama serve):
 * node:http on 127.0.0.1, an ephemeral port, the real wire protocol — GET /v1/models, POST
 * /v1/chat/completions with JSON bodies, bearer-token auth, OpenAI error bodies, `Retry-After`, ms-swift's
 * `images_size` when asked with `return_details`. It is not a model: the test decides each answer (real
 * recorded answers, or answers derived from ground truth) through `answer(request)`.
 *
 * Faults on demand, consumed one per chat request in order (`faults.push(...)`) or chosen per request
 * (`faultFor(request)`):
 *   { kind: 'status', status, message?, headers? }  an OpenAI-style error body with that status
 *   { kind: 'stall' }        headers sent, then nothing until the client gives up (or the server closes)
 *   { kind: 'hang' }         nothing at all, not even headers
 *   { kind: 'drop' }         the connection is destroyed before any byte of the response
 *   { kind: 'drop-mid-body' } status and part of the JSON body, then the connection is destroyed
 *   { kind: 'cut', keepChars } the answer cut after keepChars characters, finish_reason "length"
 *   { kind: 'non-json' }     200 with an HTML page (a proxy's error page)
 *   { kind: 'huge', bytes, contentLength? } 200 with an answer of `bytes` characters, written in 64 KiB chunks as the
 *                            client reads them (chunked, or with its Content-Length); `stats.hugeWritten` counts
 *                            the bytes that went out before the client closed the connection
 * An answer (from `answer(request)`) is a string, or `{ content, finishReason?, completionTokens?,
 * reasoning_content? }` where `content` may be null (what a reasoning model sends when it only thought).
 * `goDown()` closes the listening socket and every connection; `comeBack()` listens again on the same port.
 * `capacity` makes it a server of limited size, as a GPU serves a batch of at most so many sequences: at most
 * that many chat requests are worked on (their latency running) at once, the others wait their turn.
 *
 * Plain JavaScript (with ./openai-double.d.ts) so that bench/vlm.bench.js can run it without a build.
 */
import { createServer } from 'node:http';

/** Width and height from a PNG or JPEG header (enough to know what size the client sent). */
export function imageHeaderSize(bytes) {
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1];
      const length = bytes.readUInt16BE(at + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): height then width.
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
      }
      at += 2 + length;
    }
  }
  return undefined;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function errorBody(status, message) {
  return { object: 'error', message, type: status === 401 ? 'AuthenticationError' : status === 404 ? 'NotFoundError' : 'ServerError', code: status };
}

/** The image and prompt of a chat request, as the double understands them. */
function describeRequest(body, index) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = messages.find((m) => m.role === 'system')?.content;
  const user = messages.findLast((m) => m.role === 'user');
  const parts = Array.isArray(user?.content) ? user.content : [];
  const url = parts.find((p) => p.type === 'image_url')?.image_url?.url;
  const prompt = parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n');
  let image;
  const match = typeof url === 'string' ? /^data:(image\/[a-z]+);base64,(.*)$/s.exec(url) : null;
  if (match) {
    const bytes = Buffer.from(match[2], 'base64');
    image = { mime: match[1], bytes, ...imageHeaderSize(bytes) };
  }
  return { index, body, image, prompt, system };
}

/**
 * @param {import('./openai-double.js').DoubleOptions} options
 * @returns {Promise<import('./openai-double.js').OpenAiDouble>}
 */
export async function startOpenAiDouble(options = {}) {
  const models = options.models ?? ['ocrdet-test-model'];
  const stats = { requests: 0, chatRequests: 0, inFlight: 0, maxInFlight: 0, completed: 0, authHeaders: new Set() };
  const received = [];
  const sockets = new Set();
  const faults = [];
  let port = options.port ?? 0;

  const double = {
    faults,
    stats,
    received,
    faultFor: undefined,
    get url() {
      return `http://127.0.0.1:${port}/v1`;
    },
    get port() {
      return port;
    },
    async goDown() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    async comeBack() {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close() {
      return double.goDown();
    },
  };

  async function chat(req, res) {
    // In flight from the moment the request arrives until its response is finished or its connection closes.
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      stats.inFlight--;
    };
    res.on('close', done);
    const text = await readBody(req);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, errorBody(400, 'request body is not JSON'));
    }
    const request = describeRequest(body, stats.chatRequests++);
    if (options.record !== false) received.push({ body: { ...body, messages: undefined }, prompt: request.prompt, system: request.system, image: request.image && { mime: request.image.mime, width: request.image.width, height: request.image.height, byteLength: request.image.bytes.length } });
    if (!models.includes(body.model)) return sendJson(res, 404, errorBody(404, `The model \`${body.model}\` does not exist.`));
    if (!request.image) return sendJson(res, 400, errorBody(400, 'expected one image_url part with a data: URL'));
    const fault = double.faultFor?.(request) ?? faults.shift();
    const latencyMs = typeof options.latencyMs === 'function' ? options.latencyMs(request) : (options.latencyMs ?? 0);
    const release = await slot();
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    } finally {
      release();
    }
    if (res.destroyed) return done();
    if (fault) return applyFault(fault, request, res);
    sendJson(res, 200, completion(body, await answerOf(request), request));
    stats.completed++;
  }

  // Requests being worked on, and those waiting for room (only with `capacity`).
  let working = 0;
  const line = [];
  async function slot() {
    if (!options.capacity) return () => undefined;
    if (working >= options.capacity) await new Promise((resolve) => line.push(resolve));
    else working++;
    return () => {
      const next = line.shift();
      if (next) next();
      else working--;
    };
  }

  async function answerOf(request) {
    const produced = await options.answer?.(request);
    return typeof produced === 'string' || produced === undefined ? { content: produced ?? '' } : produced;
  }

  function completion(body, answer, request) {
    const content = answer.content;
    const message = { role: 'assistant', content };
    if (answer.reasoning_content !== undefined) message.reasoning_content = answer.reasoning_content;
    const tokens = Math.ceil(((content ?? '').length + (answer.reasoning_content ?? '').length) / 3);
    const result = {
      id: `chatcmpl-${request.index}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message, finish_reason: answer.finishReason ?? 'stop', logprobs: null }],
      usage: { prompt_tokens: 1000, completion_tokens: answer.completionTokens ?? tokens, total_tokens: 1000 + tokens },
    };
    // ms-swift deploy: images_size only when the request asked for details (protocol.py ChatCompletionResponse).
    if (body.return_details && options.imagesSize) result.images_size = [options.imagesSize(request)];
    return result;
  }

  async function applyFault(fault, request, res) {
    switch (fault.kind) {
      case 'status':
        return sendJson(res, fault.status, errorBody(fault.status, fault.message ?? `injected ${fault.status}`), fault.headers ?? {});
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        return; // never ends: the client's timeout must cover the body
      case 'hang':
        return;
      case 'drop':
        return res.socket?.destroy();
      case 'drop-mid-body': {
        const whole = JSON.stringify(completion(request.body, await answerOf(request), request));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(whole) });
        res.write(whole.slice(0, Math.floor(whole.length / 2)));
        return setTimeout(() => res.socket?.destroy(), 5);
      }
      case 'cut': {
        const content = (await answerOf(request)).content.slice(0, fault.keepChars);
        return sendJson(res, 200, completion(request.body, { content, finishReason: 'length' }, request));
      }
      case 'huge':
        return sendHuge(fault, request, res);
      case 'non-json': {
        const html = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(html);
      }
      default:
        throw new Error(`unknown fault ${JSON.stringify(fault)}`);
    }
  }

  /** A completion whose answer is `fault.bytes` of 'a', written only as fast as the client reads it. */
  async function sendHuge(fault, request, res) {
    const whole = JSON.stringify(completion(request.body, { content: '' }, request));
    const [head, tail] = whole.split('"content":""');
    const start = Buffer.from(`${head}"content":"`);
    const end = Buffer.from(`"${tail}`);
    const total = start.length + fault.bytes + end.length;
    res.writeHead(200, { 'content-type': 'application/json', ...(fault.contentLength ? { 'content-length': total } : {}) });
    stats.hugeWritten = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    const write = async (chunk) => {
      stats.hugeWritten += chunk.length;
      if (res.write(chunk) || closed) return;
      await new Promise((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    };
    await write(start);
    const block = Buffer.alloc(64 * 1024, 'a');
    for (let left = fault.bytes; left > 0 && !closed; left -= block.length) await write(left >= block.length ? block : block.subarray(0, left));
    if (!closed) res.end(end);
  }

  const server = createServer((req, res) => {
    stats.requests++;
    const auth = req.headers.authorization ?? '';
    stats.authHeaders.add(auth);
    if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) {
      // As OpenAI does, the refused key is echoed back: clients must not print server messages blindly.
      const given = auth.replace(/^Bearer /, '');
      return sendJson(res, 401, errorBody(401, `Incorrect API key provided: ${given}.`));
    }
    if (options.authorization !== undefined && auth !== options.authorization) {
      return sendJson(res, 401, errorBody(401, `Unauthorized: ${auth || 'no Authorization header'}`));
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'ocrdet-test' })) });
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      return void chat(req, res).catch((error) => {
        if (!res.headersSent) sendJson(res, 500, errorBody(500, String(error?.message ?? error)));
      });
    }
    sendJson(res, 404, errorBody(404, `no route ${req.method} ${path}`));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  port = server.address().port;
  return double;
}
