/**
 * The vlm detector against a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js:
 * real HTTP on 127.0.0.1, the chat-completions wire format) that replays REAL recorded model answers
 * (test/fixtures/vlm/answers.json and test/fixtures/grounding/real-answers.json, sources in
 * test/fixtures/README.md). Each result must equal what the dialect parses from the recorded answer, mapped
 * to pixels of the original image — whatever size the image was sent at.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run.js';
import type { ImageSize, Region } from '../src/core/types.js';
import { createDetector } from '../src/detectors/index.js';
import { createVlmDetector, type VlmDetection } from '../src/detectors/vlm/index.js';
import { getDialect } from '../src/grounding/index.js';
import sharp from 'sharp';
import { solidJpeg, truncatedJpeg } from './helpers/images.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

interface Recorded {
  id: string;
  answer: string;
  imageSize: ImageSize | null;
  inputSize?: ImageSize;
  image?: string;
}
const vlmAnswers = JSON.parse(readFileSync(new URL('./fixtures/vlm/answers.json', import.meta.url), 'utf8')) as Record<string, Recorded[]>;
const groundingAnswers = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, Recorded[]>;
function recorded(source: Record<string, Recorded[]>, dialect: string, id: string): Recorded {
  const found = source[dialect]?.find((a) => a.id === id);
  if (!found) throw new Error(`fixture ${dialect}/${id} missing`);
  return found;
}

const RECEIPT = new URL('./fixtures/vlm/qwen25vl-cookbook-ocr_example3.jpg', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-replay-'));
let server: OpenAiDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function imageFile(name: string, width: number, height: number, rgb: [number, number, number] = [200, 200, 200]): Promise<string> {
  const path = join(work, name);
  writeFileSync(path, await solidJpeg(width, height, rgb));
  return path;
}

const geometry = (regions: Region[]) => regions.map((r) => ({ text: r.text, box: r.box, points: r.points }));

describe('replaying real answers', () => {
  it('InternVL2 (documented V3Det answer, 0–1000): regions in pixels of the original, not of the 1792×1344 sent', async () => {
    const a = recorded(groundingAnswers, 'internvl2', 'doc-v3det');
    server = await startOpenAiDouble({ answer: () => a.answer });
    const image = await imageFile('v3det.jpg', 2400, 1800);
    const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'internvl2' });
    const detection = await detector.detect(image);
    // 2400×1800 (4:3) is cut into 4 × 3 tiles of 448 px: it is sent at that canvas, 1792×1344, which the server
    // cuts into the same 12 tiles (image-rules.ts).
    expect(server.received[0].image).toMatchObject({ width: 1792, height: 1344, mime: 'image/jpeg' });
    const expected = getDialect('internvl2').parse(a.answer, { width: 2400, height: 1800 }).regions;
    expect(expected).toHaveLength(15);
    expect(geometry(detection.regions)).toEqual(geometry(expected));
    expect(detection).toMatchObject({ backend: 'vlm', model: 'ocrdet-test-model', dialect: 'internvl2', width: 2400, height: 1800, requests: 1, retries: 0 });
    expect(Object.keys(detection.timings).sort()).toEqual(['encode', 'parse', 'request', 'total']);
    expect(detection.error).toBeUndefined();
  });

  it('Qwen2.5-VL cookbook receipt (real image, real answer): sent as it is, read in the model\'s own 868×1400 input, mapped back to 870×1398', async () => {
    const a = recorded(vlmAnswers, 'qwen2.5-vl', 'cookbook-ocr-receipt');
    server = await startOpenAiDouble({ answer: () => a.answer });
    // The notebook ran the model with its default max_pixels (12,845,056): so do we here.
    const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'qwen2.5-vl', maxInputPixels: 12_845_056 });
    const detection = await detector.detect(RECEIPT);
    // Under that budget smart_resize only rounds 870×1398 to 868×1400: the image goes as it is, and the server
    // rounds exactly the pixels the notebook's model saw.
    expect(server.received[0].image).toMatchObject({ width: a.imageSize!.width, height: a.imageSize!.height });
    expect(a.inputSize).toEqual({ width: 868, height: 1400 });
    const expected = getDialect('qwen2.5-vl').parse(a.answer, a.imageSize!, { inputSize: a.inputSize }).regions;
    expect(expected).toHaveLength(39);
    expect(geometry(detection.regions)).toEqual(geometry(expected));
    // First line: [125, 169, 754, 208] × 870/868, × 1398/1400 = [125.29, 168.76, 755.74, 207.7].
    expect(detection.regions[0]).toMatchObject({ text: 'UNIHAKKA INTERNATIONAL SDN BHD', box: [125.29, 168.76, 755.74, 207.7] });
  });

  it('the size ms-swift reports (return_details → images_size) wins over the size sent', async () => {
    const a = recorded(vlmAnswers, 'qwen2.5-vl', 'cookbook-ocr-receipt');
    server = await startOpenAiDouble({ answer: () => a.answer, imagesSize: () => [868, 1400] });
    const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'qwen2.5-vl', saveRaw: true });
    const detection = await detector.detect(RECEIPT);
    // Default budget 1,003,520 px: sent 784×1260; the server says the model saw 868×1400.
    expect(server.received[0].image).toMatchObject({ width: 784, height: 1260 });
    expect(server.received[0].body.return_details).toBe(true);
    const expected = getDialect('qwen2.5-vl').parse(a.answer, a.imageSize!, { inputSize: a.inputSize }).regions;
    expect(geometry(detection.regions)).toEqual(geometry(expected));
    expect(detection.raw).toEqual([{ answer: a.answer, frame: { left: 0, top: 0, width: 870, height: 1398 }, sent: { width: 784, height: 1260 }, reported: { width: 868, height: 1400 }, finishReason: 'stop' }]);
  });

  it('without a reported size, Qwen2.5-VL coordinates are read in the frame the model makes of the size sent', async () => {
    const a = recorded(vlmAnswers, 'qwen2.5-vl', 'llamafactory-6925-transformers');
    server = await startOpenAiDouble({ answer: () => a.answer });
    const image = await imageFile('tv.jpg', 1920, 1080);
    const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'qwen2.5-vl', maxInputPixels: 2048 * 2048 });
    const detection = await detector.detect(image);
    // 1920×1080 fits 4.19 MP and goes as it is; the model's smart_resize rounds it to 69·28 = 1932, 39·28 = 1092.
    expect(server.received[0].image).toMatchObject({ width: 1920, height: 1080 });
    const expected = getDialect('qwen2.5-vl').parse(a.answer, { width: 1920, height: 1080 }, { inputSize: { width: 1932, height: 1092 } }).regions;
    expect(geometry(detection.regions)).toEqual(geometry(expected));
    // 1640 × 1920/1932 = 1629.81
    expect(detection.regions[1].box[2]).toBeCloseTo(1629.81, 2);
  });

  it('Qwen2-VL (OS-Atlas answer with <|im_end|> left in): relative 0–1000 of the original', async () => {
    const a = recorded(vlmAnswers, 'qwen2-vl', 'os-atlas-base-7b');
    server = await startOpenAiDouble({ answer: () => a.answer });
    const image = await imageFile('screen.jpg', 1280, 720);
    const detector = await createVlmDetector({ baseUrl: server.url, dialect: 'qwen2-vl' });
    const detection = await detector.detect(image);
    const expected = getDialect('qwen2-vl').parse(a.answer, { width: 1280, height: 720 }).regions;
    // (576,12),(592,42) → x 576 × 1.28 = 737.28, y 12 × 0.72 = 8.64, 757.76, 30.24
    expect(detection.regions).toEqual(expected);
    expect(detection.regions[0]).toMatchObject({ text: 'language switch', box: [737.28, 8.64, 757.76, 30.24] });
    // 1280×720 is within Qwen2-VL's budget and an upright RGB JPEG: the file's own bytes were sent.
    expect(server.received[0].image).toEqual({ mime: 'image/jpeg', width: 1280, height: 720, byteLength: readFileSync(image).length });
  });

  it('a batch through createDetector + runBatch: model from GET /models, input order, each image its own answer', async () => {
    const answers = [recorded(groundingAnswers, 'internvl2', 'doc-refcoco-1'), recorded(groundingAnswers, 'internvl2', 'issue-953-all'), recorded(groundingAnswers, 'internvl2', 'doc-v3det')];
    const sizes: ImageSize[] = [{ width: 427, height: 640 }, { width: 1000, height: 1000 }, { width: 800, height: 800 }];
    const images = await Promise.all(sizes.map((s, i) => imageFile(`batch-${i}.jpg`, s.width, s.height, [i * 80, 100, 100])));
    // The double tells images apart by the size it receives (all under the budget, so sent as they are).
    server = await startOpenAiDouble({ models: ['served-first', 'served-second'], latencyMs: (r) => (r.image?.width === 427 ? 150 : 10), answer: (r) => answers[sizes.findIndex((s) => s.width === r.image?.width)].answer });
    const detector = await createDetector({ backend: 'vlm', baseUrl: server.url, dialect: 'internvl2' });
    const results: VlmDetection[] = [];
    const summary = await runBatch({ images: images.map((path) => ({ path, relativePath: path })), detector, concurrency: 3, onDetection: (d) => void results.push(d as VlmDetection) });
    await detector.close();
    expect(summary).toMatchObject({ done: 3, failed: 0 });
    expect(results.map((d) => d.image)).toEqual(images);
    results.forEach((d, i) => {
      expect(d.model).toBe('served-first');
      expect(geometry(d.regions)).toEqual(geometry(getDialect('internvl2').parse(answers[i].answer, sizes[i]).regions));
    });
  });

  it('sends an EXIF-rotated photo upright (re-encoded), and never sends a truncated or non-image file', async () => {
    server = await startOpenAiDouble({ answer: () => '<ref>top</ref><box>[[0, 0, 1000, 100]]</box>' });
    // Stored 300×200 with orientation 6 (rotate 90° clockwise to display): a person sees 200×300.
    const rotated = join(work, 'rotated.jpg');
    writeFileSync(rotated, await sharp(await solidJpeg(300, 200)).withMetadata({ orientation: 6 }).jpeg().toBuffer());
    const truncated = join(work, 'truncated.jpg');
    writeFileSync(truncated, await truncatedJpeg());
    const text = join(work, 'notes.jpg');
    writeFileSync(text, 'not an image at all');
    const detector = await createVlmDetector({ baseUrl: server.url });
    const upright = await detector.detect(rotated);
    expect(server.received[0].image).toMatchObject({ width: 200, height: 300 });
    expect(upright).toMatchObject({ width: 200, height: 300, regions: [{ text: 'top', box: [0, 0, 200, 30] }] });
    const [bad, junk] = [await detector.detect(truncated), await detector.detect(text)];
    expect(bad.error).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/truncated\.jpg: truncated or corrupt file/) });
    expect(junk.error).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: expect.stringMatching(/notes\.jpg: not an image sharp can read/) });
    expect(server.stats.chatRequests).toBe(1);
  });

  it('sends the dialect prompt at temperature 0 by default, and the user\'s prompt, system message and extra fields when given', async () => {
    server = await startOpenAiDouble({ answer: () => '<ref>a</ref><box>[[0, 0, 500, 500]]</box>' });
    const image = await imageFile('prompt.jpg', 300, 200);
    await (await createVlmDetector({ baseUrl: server.url })).detect(image);
    const system = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';
    const custom = await createVlmDetector({ baseUrl: server.url, model: 'ocrdet-test-model', prompt: '请目标检测图像中的信息并给出边界框', system, temperature: 0.8, maxTokens: 512, extraBody: { top_p: 0.8 } });
    await custom.detect(image);
    const [first, second] = server.received;
    expect(first).toMatchObject({ prompt: '请识别图中所有文字，并输出坐标框', system: undefined, body: { temperature: 0, max_tokens: 2048 } });
    expect(first.body.return_details).toBeUndefined();
    expect(second).toMatchObject({ prompt: '请目标检测图像中的信息并给出边界框', system, body: { temperature: 0.8, max_tokens: 512, top_p: 0.8 } });
    // One GET /models for the first detector, none for the one given --model.
    expect(server.stats.requests).toBe(3);
  });
});
