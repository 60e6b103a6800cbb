/**
 * Answers without content, against a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js:
 * real HTTP on 127.0.0.1, real chat-completion bodies): `content: null` or `""` (servers under load, a reasoning
 * model that only thought), and what is not empty (a dialect's own empty answer). An empty answer is a failed
 * attempt, retried, then the image's error OCRDET_EMPTY_ANSWER, never "no text" that reruns would skip.
 * The well-formed answers are real recorded ones (test/fixtures/grounding/real-answers.json).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVlmDetector, type VlmDetection, type VlmOptions } from '../src/detectors/vlm/index.js';
import { buildServer } from '../src/server/app.js';
import { getDialect } from '../src/grounding/index.js';
import { runInProcess } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type DoubleAnswer, type DoubleOptions, type OpenAiDouble } from './helpers/openai-double.js';

const realAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const ANSWER = realAnswers.internvl2.find((a) => a.id === 'doc-v3det')!.answer;
const work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-empty-'));

let server: OpenAiDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: DoubleOptions): Promise<OpenAiDouble> {
  server = await startOpenAiDouble(options);
  return server;
}

async function image(name: string, width = 600): Promise<string> {
  const path = join(work, `${name}.jpg`);
  writeFileSync(path, await solidJpeg(width, 400, [40, 120, 160]));
  return path;
}

const fast = (s: OpenAiDouble, extra: Partial<VlmOptions> = {}): VlmOptions => ({ baseUrl: s.url, model: 'ocrdet-test-model', retryBaseMs: 5, retryMaxMs: 10, ...extra });

async function detectOnce(s: OpenAiDouble, path: string, extra: Partial<VlmOptions> = {}): Promise<VlmDetection> {
  const detector = await createVlmDetector(fast(s, extra));
  try {
    return await detector.detect(path);
  } finally {
    await detector.close();
  }
}

describe('an answer with no content is a failure, not "no text"', () => {
  it('content null on every attempt: the image gets OCRDET_EMPTY_ANSWER after its retries, with no regions', async () => {
    const s = await start({ answer: () => ({ content: null }) });
    const detection = await detectOnce(s, await image('null'), { retries: 2 });
    expect(detection.error).toEqual({ code: 'OCRDET_EMPTY_ANSWER', message: expect.stringMatching(/: POST .*\/chat\/completions: the answer has no content \(content null, finish_reason "stop"\) \(2 retries before giving up\)$/) });
    expect(detection.regions).toEqual([]);
    expect(s.stats.chatRequests).toBe(3);
    expect(detection.warnings).toEqual([expect.stringMatching(/^retried after: the answer has no content \(content null/)]);
  });

  it('content "" once, then the answer: retried, the regions of the answer, the retry said in warnings', async () => {
    const answers: DoubleAnswer[] = [{ content: '' }, { content: ANSWER }];
    const s = await start({ answer: () => answers.shift()! });
    const detection = await detectOnce(s, await image('empty-once'));
    expect(detection.error).toBeUndefined();
    expect(detection.regions).toEqual(getDialect('internvl2').parse(ANSWER, { width: 600, height: 400 }).regions);
    expect(detection.retries).toBe(1);
    expect(detection.warnings).toEqual(['1 request(s) retried: the answer has no content (content "", finish_reason "stop")']);
  });

  it('through ocrdet serve: 502 with the code, as for any model server that failed', async () => {
    const s = await start({ answer: () => '' });
    const app = await buildServer(await createVlmDetector(fast(s, { retries: 0 })));
    const response = await app.inject({ method: 'POST', url: '/v1/detect?name=empty.jpg', headers: { 'content-type': 'image/jpeg' }, payload: await solidJpeg(600, 400) });
    await app.close();
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'OCRDET_EMPTY_ANSWER', message: expect.stringMatching(/^empty\.jpg: POST .*: the answer has no content \(content ""/) });
  });

  it('only whitespace is no content either', async () => {
    const s = await start({ answer: () => ' \n\t ' });
    const detection = await detectOnce(s, await image('blank'), { retries: 0 });
    expect(detection.error?.code).toBe('OCRDET_EMPTY_ANSWER');
    expect(detection.error?.message).toMatch(/content only whitespace/);
  });

  it('a reasoning model that spent every token thinking: the error, and warnings that say reasoning only and cut at the limit', async () => {
    const thoughts = 'The user wants every text line with its box. First I look at the top left, where there is a helmet';
    const s = await start({ answer: () => ({ content: null, reasoning_content: thoughts, finishReason: 'length' }) });
    const detection = await detectOnce(s, await image('thinking'), { retries: 1, maxTokens: 512 });
    expect(detection.error).toMatchObject({ code: 'OCRDET_EMPTY_ANSWER', message: expect.stringMatching(`\\(content null, finish_reason "length", ${thoughts.length} characters of reasoning only\\)`) });
    expect(detection.warnings).toEqual([
      expect.stringMatching(/^retried after: the answer has no content/),
      `the model answered only in its reasoning (${thoughts.length} characters), with no content: turn its thinking off (e.g. option "extraBody" '{"chat_template_kwargs":{"enable_thinking":false}}' for Qwen3 under vLLM) or raise option "maxTokens"`,
      'the answer was cut off at the answer-token limit (option "maxTokens" 512) before any content',
    ]);
  });
});

describe('what is not empty', () => {
  it("a dialect's well-formed empty answer (Qwen2.5-VL's fenced []) is zero regions, no error, no warning", async () => {
    const s = await start({ answer: () => '```json\n[]\n```' });
    const detection = await detectOnce(s, await image('none-found'), { dialect: 'qwen2.5-vl' });
    expect(detection.error).toBeUndefined();
    expect(detection.regions).toEqual([]);
    expect(detection.warnings).toBeUndefined();
    expect(s.stats.chatRequests).toBe(1);
  });

  it('acceptEmpty: "" means no text, for a model trained to answer nothing on images without text; not when cut off at the limit', async () => {
    const s = await start({ answer: () => '' });
    const detection = await detectOnce(s, await image('accepted'), { acceptEmpty: true });
    expect(detection.error).toBeUndefined();
    expect(detection.regions).toEqual([]);
    expect(s.stats.chatRequests).toBe(1);
    await s.close();
    const cut = await start({ answer: () => ({ content: '', finishReason: 'length' }) });
    const thought = await detectOnce(cut, await image('accepted-cut'), { acceptEmpty: true, retries: 0 });
    expect(thought.error?.code).toBe('OCRDET_EMPTY_ANSWER');
  });

  it('an answer beside its reasoning is an answer', async () => {
    const s = await start({ answer: () => ({ content: ANSWER, reasoning_content: 'Let me find the text.' }) });
    const detection = await detectOnce(s, await image('thought-then-answered'));
    expect(detection.error).toBeUndefined();
    expect(detection.regions).toHaveLength(15);
  });
});

describe('ocrdet detect over a server that answers null (the report, through the CLI)', () => {
  it('exit 1, five error lines; --retry-errors against a server that answers redoes exactly them', async () => {
    let content: string | null = null;
    const s = await start({ answer: () => ({ content }) });
    const five = join(work, 'five');
    mkdirSync(five);
    for (let i = 0; i < 5; i++) writeFileSync(join(five, `img-${i}.jpg`), await solidJpeg(600 + 10 * i, 400, [i * 30, 100, 150]));
    const out = join(work, 'e.jsonl');
    const args = ['detect', five, '--backend', 'vlm', '--base-url', s.url, '--retries', '0', '--out', out, '-q'];
    const first = await runInProcess(args);
    expect(first.code).toBe(1);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as VlmDetection);
    expect(lines.map((l) => l.error?.code)).toEqual(Array(5).fill('OCRDET_EMPTY_ANSWER'));
    expect(first.stderr).toMatch(/img-0\.jpg: OCRDET_EMPTY_ANSWER: .*the answer has no content \(content null/);

    content = ANSWER;
    const again = await runInProcess([...args, '--retry-errors']);
    expect(again.code).toBe(0);
    const redone = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as VlmDetection);
    expect(redone.map((l) => [l.error, l.regions.length])).toEqual(Array(5).fill([undefined, 15]));
  });
});
