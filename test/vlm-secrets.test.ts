/**
 * Keys and passwords never leave ocrdet, against a PROTOCOL DOUBLE of an OpenAI-compatible server
 * (test/helpers/openai-double.js: real HTTP on 127.0.0.1, real chat-completion and error bodies) that echoes
 * what it was sent, the way OpenAI's own 401 does: deep inside a long error message (past the 80 characters
 * a message quotes), inside an answer, in a refused Basic header. Every channel is read: stdout, stderr, the
 * JSONL (error, warnings, regions' text, raw), serve's bodies and /healthz.
 * The recorded answer is a real one (test/fixtures/grounding/real-answers.json).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createVlmDetector } from '../src/detectors/vlm/index.js';
import { buildServer } from '../src/server/app.js';
import { runInProcess } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type DoubleOptions, type OpenAiDouble } from './helpers/openai-double.js';

const realAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;
const KEY = 'sk-proj-Zq8fT2mV9xL4cR7wN1bH6yK3pD0sJ5gA';
const work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-secrets-'));

let server: OpenAiDouble | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await server?.close();
  app = undefined;
  server = undefined;
});

async function start(options: DoubleOptions): Promise<OpenAiDouble> {
  server = await startOpenAiDouble(options);
  return server;
}

/** The pieces of a secret that would give it away: every 6 characters of it, anywhere in `text`. */
function leaked(text: string, secret: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 6 <= secret.length; i++) if (text.includes(secret.slice(i, i + 6))) pieces.push(secret.slice(i, i + 6));
  return pieces;
}

/** OpenAI's wording, the key past the first 60 characters (a message is quoted up to 80). */
const echo = (auth: string) => `Incorrect API key provided for this project. The key was: ${auth.replace(/^Bearer /, '')}`;

async function imagesIn(folder: string, widths: number[]): Promise<void> {
  mkdirSync(join(work, folder), { recursive: true });
  for (const [i, width] of widths.entries()) writeFileSync(join(work, folder, `img-${i}.jpg`), await solidJpeg(width, 400, [i * 40, 110, 150]));
}

describe('the API key', () => {
  it('echoed deep in error messages (retried 500, refused 400): in no error, warning, stderr or stdout line', async () => {
    let fivehundreds = 0;
    const s = await start({ answer: () => ANSWER });
    s.faultFor = (r) => {
      if (r.image?.width === 600 && fivehundreds++ === 0) return { kind: 'status', status: 500, message: echo(KEY) };
      if (r.image?.width === 610) return { kind: 'status', status: 400, message: echo(KEY) };
      return undefined;
    };
    await imagesIn('echo', [600, 610]);
    const out = join(work, 'echo.jsonl');
    process.env.OCRDET_SECRET_TEST_KEY = KEY;
    const result = await runInProcess(['detect', join(work, 'echo'), '--backend', 'vlm', '--base-url', s.url, '--api-key-env', 'OCRDET_SECRET_TEST_KEY', '--out', out, '--retries', '1']);
    delete process.env.OCRDET_SECRET_TEST_KEY;
    expect(s.stats.authHeaders).toContain(`Bearer ${KEY}`);
    expect(result.code).toBe(1);
    const [retried, refused] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { warnings?: string[]; error?: { message: string } });
    expect(retried.warnings?.[0]).toMatch(/HTTP 500 \(Incorrect API key provided for this project\. The key was: \*\*\*\)/);
    expect(refused.error?.message).toMatch(/HTTP 400 \(Incorrect API key provided for this project\. The key was: \*\*\*\); not retried$/);
    for (const text of [readFileSync(out, 'utf8'), result.stdout, result.stderr]) expect(leaked(text, KEY)).toEqual([]);
  });

  it('echoed inside an answer: not in regions[].text, nor in raw', async () => {
    const s = await start({ answer: () => `<ref>${KEY}</ref><box>[[10, 10, 500, 100]]</box>${ANSWER}` });
    process.env.OCRDET_SECRET_TEST_KEY = KEY;
    const detector = await createVlmDetector({ baseUrl: s.url, model: 'ocrdet-test-model', apiKeyEnv: 'OCRDET_SECRET_TEST_KEY', saveRaw: true });
    delete process.env.OCRDET_SECRET_TEST_KEY;
    writeFileSync(join(work, 'in-answer.jpg'), await solidJpeg(600, 400));
    const detection = await detector.detect(join(work, 'in-answer.jpg'));
    expect(detection.regions[0].text).toBe('***');
    expect(detection.regions).toHaveLength(16);
    expect(leaked(JSON.stringify(detection), KEY)).toEqual([]);
  });
});

describe('credentials in --base-url', () => {
  const USER = 'ocr';
  const PASSWORD = 'pa55:w/rd@Xq71';
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const withCredentials = (url: string, password = PASSWORD) => url.replace('http://', `http://${USER}:${encodeURIComponent(password)}@`);

  it('become an Authorization: Basic header (the password decoded), and the run works', async () => {
    const s = await start({ authorization: basic, answer: () => ANSWER });
    writeFileSync(join(work, 'basic.jpg'), await solidJpeg(600, 400));
    const result = await runInProcess(['detect', join(work, 'basic.jpg'), '--backend', 'vlm', '--base-url', withCredentials(s.url)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).regions).toHaveLength(15);
    expect([...s.stats.authHeaders]).toEqual([basic]);
  });

  it('a wrong password, echoed by the server: exit 2, says to check --base-url, neither password nor header printed', async () => {
    const s = await start({ authorization: basic, answer: () => ANSWER });
    const wrong = 'wr0ng-Passw0rd';
    const result = await runInProcess(['detect', join(work, 'basic.jpg'), '--backend', 'vlm', '--base-url', withCredentials(s.url, wrong), '--debug']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OCRDET_CONFIG: GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: HTTP 401, the server refused the request \(Unauthorized: Basic \*\*\*\); check the user and password in --base-url/);
    const sentToken = Buffer.from(`${USER}:${wrong}`).toString('base64');
    for (const text of [result.stdout, result.stderr]) expect([...leaked(text, wrong), ...leaked(text, sentToken)]).toEqual([]);
  });

  it('a server that cannot be reached: the error names the URL without them', async () => {
    const s = await start({});
    const url = s.url;
    await s.goDown();
    const result = await runInProcess(['detect', join(work, 'basic.jpg'), '--backend', 'vlm', '--base-url', withCredentials(url), '--model', 'm', '--retries', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`POST ${url}/chat/completions: connection failed`);
    expect(leaked(result.stderr + result.stdout, PASSWORD)).toEqual([]);
  });

  it('with --api-key-env as well: a usage error that prints neither', async () => {
    process.env.OCRDET_SECRET_TEST_KEY = KEY;
    const result = await runInProcess(['detect', join(work, 'basic.jpg'), '--backend', 'vlm', '--base-url', withCredentials('http://127.0.0.1:9/v1'), '--api-key-env', 'OCRDET_SECRET_TEST_KEY']);
    delete process.env.OCRDET_SECRET_TEST_KEY;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OCRDET_USAGE: --base-url http:\/\/127\.0\.0\.1:9\/v1: has a user and password, and --api-key-env names a key/);
    expect([...leaked(result.stderr, PASSWORD), ...leaked(result.stderr, KEY)]).toEqual([]);
  });

  it('the same server given twice (--base-url repeats for several servers): the usage error shows it without its credentials', async () => {
    await imagesIn('twice', [600]);
    const result = await runInProcess(['detect', join(work, 'twice', 'img-0.jpg'), '--backend', 'vlm', '--model', 'm', '--base-url', withCredentials('http://a:1/v1'), '--base-url', withCredentials('http://a:1/v1')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--base-url http:\/\/a:1\/v1 is given twice/);
    expect(leaked(result.stderr, PASSWORD)).toEqual([]);
  });
});

describe('ocrdet serve', () => {
  it("a failed image's 502 body and /healthz's reason carry neither the key nor the base URL's password", async () => {
    const s = await start({ answer: () => ANSWER });
    s.faultFor = () => ({ kind: 'status', status: 500, message: `The key was: ${KEY}` });
    process.env.OCRDET_SECRET_TEST_KEY = KEY;
    const detector = await createVlmDetector({ baseUrl: s.url, model: 'ocrdet-test-model', apiKeyEnv: 'OCRDET_SECRET_TEST_KEY', retries: 0 });
    delete process.env.OCRDET_SECRET_TEST_KEY;
    app = await buildServer(detector, { healthCacheMs: 0 });
    const detected = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'image/jpeg' }, payload: await solidJpeg(600, 400) });
    expect(detected.statusCode).toBe(502);
    expect(detected.json().message).toMatch(/HTTP 500 \(The key was: \*\*\*\)$/);
    expect(leaked(detected.body, KEY)).toEqual([]);
    await app.close();

    const PASSWORD = 'h3alth-Secret';
    const withPassword = await createVlmDetector({ baseUrl: s.url.replace('http://', `http://probe:${PASSWORD}@`), model: 'ocrdet-test-model' });
    app = await buildServer(withPassword, { healthCacheMs: 0 });
    await s.goDown();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json().reason).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: connection failed/);
    expect(leaked(health.body, PASSWORD)).toEqual([]);
  });
});
