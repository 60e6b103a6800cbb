/**
 * `ocrdet detect` and `reparse` (in this process; the kill -9 run: the real executable) with `--backend vlm`
 * against a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/openai-double.js, real HTTP on
 * 127.0.0.1) replaying real recorded answers: one end-to-end run with --overlay on the Qwen2.5-VL cookbook
 * receipt, the API key kept out of every output, kill -9 mid-batch + rerun, and `ocrdet reparse`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSize, Region } from '../src/core/types.js';
import { getDialect } from '../src/grounding/index.js';
import { assertBuilt, CLI, finished, runHere } from './helpers/cli.js';
import { solidJpeg } from './helpers/images.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const vlmAnswers = JSON.parse(readFileSync(join(FIXTURES, 'vlm', 'answers.json'), 'utf8')) as Record<string, { id: string; answer: string; imageSize: ImageSize | null; inputSize?: ImageSize }[]>;
const grounding = JSON.parse(readFileSync(join(FIXTURES, 'grounding', 'real-answers.json'), 'utf8')) as Record<string, { id: string; answer: string }[]>;
const RECEIPT = vlmAnswers['qwen2.5-vl'].find((a) => a.id === 'cookbook-ocr-receipt')!;
const OS_ATLAS = vlmAnswers['qwen2-vl'].find((a) => a.id === 'os-atlas-base-7b')!;
const V3DET = grounding.internvl2.find((a) => a.id === 'doc-v3det')!.answer;

let work: string;
let server: OpenAiDouble | undefined;

beforeAll(() => {
  assertBuilt(['cli/detect', 'cli/reparse', 'batch/run', 'detectors/index', 'detectors/vlm/detector', 'detectors/vlm/client', 'detectors/vlm/backend', 'image/encode']);
  work = mkdtempSync(join(tmpdir(), 'ocrdet-vlm-cli-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The program in this process (runHere), from the work folder; the kill -9 test starts the real executable. */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runHere(args, work, env);
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const geometry = (regions: Region[]) => regions.map((r) => ({ text: r.text, box: r.box }));

describe('ocrdet detect --backend vlm (the real CLI)', () => {
  it('end to end on the real receipt: JSONL with the parsed regions, raw answers, and an overlay PNG', async () => {
    server = await startOpenAiDouble({ answer: () => RECEIPT.answer });
    mkdirSync(join(work, 'receipts'));
    copyFileSync(join(FIXTURES, 'vlm', 'qwen25vl-cookbook-ocr_example3.jpg'), join(work, 'receipts', 'receipt.jpg'));
    const result = await run(['detect', 'receipts', '--backend', 'vlm', '--base-url', server.url, '--dialect', 'qwen2.5-vl', '--max-input-pixels', '12845056', '--save-raw', '--out', 'receipts.jsonl', '--overlay', 'overlays']);
    // The summary ends with the backend's counters as totals: one request, the tokens the double reported.
    expect(result.stderr).toMatch(/^detect: 1 image done, 0 failed in [\d.]+ s \([\d.]+ images\/s\); requests 1, tokens \d+$/m);
    expect(result.code).toBe(0);
    const [line] = jsonl(join(work, 'receipts.jsonl'));
    const expected = getDialect('qwen2.5-vl').parse(RECEIPT.answer, RECEIPT.imageSize!, { inputSize: RECEIPT.inputSize }).regions;
    expect(geometry(line.regions as Region[])).toEqual(geometry(expected));
    expect(line).toMatchObject({ image: 'receipts/receipt.jpg', backend: 'vlm', model: 'ocrdet-test-model', dialect: 'qwen2.5-vl', width: 870, height: 1398 });
    expect((line.raw as { answer: string }[])[0].answer).toBe(RECEIPT.answer);
    const overlay = await sharp(join(work, 'overlays', 'receipt.png')).metadata();
    expect([overlay.format, overlay.width, overlay.height]).toEqual(['png', 870, 1398]);
  });

  it('sends the key from the named variable and never prints it: not on stdout, stderr, in results, or when refused', async () => {
    const key = 'sk-ocrdet-e2e-7f3a9c1d5b';
    server = await startOpenAiDouble({ apiKey: key, answer: () => V3DET });
    writeFileSync(join(work, 'key.jpg'), await solidJpeg(500, 400));
    const args = ['detect', 'key.jpg', '--backend', 'vlm', '--base-url', server.url, '--api-key-env', 'OCRDET_E2E_KEY', '--save-raw', '--debug'];
    const ok = await run(args, { OCRDET_E2E_KEY: key });
    expect(ok.code).toBe(0);
    expect(server.stats.authHeaders).toContain(`Bearer ${key}`);
    expect(JSON.parse(ok.stdout).regions).toHaveLength(15);
    const refused = await run(args, { OCRDET_E2E_KEY: `${key}-revoked` });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/OCRDET_CONFIG: GET .*\/models: HTTP 401, the server refused the request \(Incorrect API key provided: \*\*\*\.\)/);
    for (const output of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) expect(output).not.toContain(key);
    // The key given where the variable's name belongs: refused, and not echoed.
    const flag = await run(['detect', 'key.jpg', '--backend', 'vlm', '--base-url', server.url, '--api-key-env', key]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--backend vlm: --api-key-env expected the NAME of an environment variable/);
    expect(flag.stderr).not.toContain(key);
  });

  it('kill -9 mid-batch, then the same command again: every image exactly once, in input order, regions as parsed', async () => {
    server = await startOpenAiDouble({ latencyMs: 120, answer: () => V3DET });
    const folder = join(work, 'many');
    mkdirSync(folder);
    const sizes: ImageSize[] = Array.from({ length: 24 }, (_, i) => ({ width: 400 + 8 * i, height: 300 }));
    for (const [i, size] of sizes.entries()) writeFileSync(join(folder, `img-${String(i).padStart(2, '0')}.jpg`), await solidJpeg(size.width, size.height, [i * 10, 90, 140]));
    const args = ['detect', 'many', '--backend', 'vlm', '--base-url', server.url, '--out', 'many.jsonl', '--concurrency', '4'];
    const out = join(work, 'many.jsonl');
    const child = spawn(process.execPath, [CLI, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = finished(child);
    while (!(existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 3)) await sleep(10);
    child.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    const before = readFileSync(out, 'utf8').split('\n').length - 1;
    expect(before, 'the run ended before it could be killed; the test proves nothing').toBeLessThan(24);

    const rerun = await run(args);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(new RegExp(`${before} of 24 images already done`));
    const lines = jsonl(out);
    const names = readdirSync(folder).sort().map((name) => `many/${name}`);
    expect(lines.map((l) => l.image)).toEqual(names);
    lines.forEach((line, i) => expect(geometry(line.regions as Region[])).toEqual(geometry(getDialect('internvl2').parse(V3DET, sizes[i]).regions)));
  });

  it('ocrdet reparse reads the saved answers with another dialect, without asking the model again', async () => {
    // The server answers in Qwen2-VL tokens; detect was told internvl2 by mistake.
    server = await startOpenAiDouble({ answer: () => OS_ATLAS.answer });
    writeFileSync(join(work, 'ui-1.jpg'), await solidJpeg(1280, 720));
    writeFileSync(join(work, 'ui-2.jpg'), await solidJpeg(1000, 800));
    const detected = await run(['detect', 'ui-1.jpg', 'ui-2.jpg', '--backend', 'vlm', '--base-url', server.url, '--dialect', 'internvl2', '--save-raw', '--out', 'ui.jsonl']);
    expect(detected.code).toBe(0);
    const wrong = jsonl(join(work, 'ui.jsonl'));
    expect(wrong.map((l) => (l.regions as Region[]).length)).toEqual([0, 0]);
    expect(wrong[0].warnings).toEqual([expect.stringMatching(/^no boxes in the answer .*check option "dialect", option "prompt" and option "system"$/)]);
    // A third line without saved answers (an older run) is kept and reported.
    writeFileSync(join(work, 'ui.jsonl'), `${readFileSync(join(work, 'ui.jsonl'), 'utf8')}${JSON.stringify({ image: 'old.jpg', width: 10, height: 10, regions: [], backend: 'vlm', model: 'x', timings: {} })}\n`);
    const asked = server.stats.chatRequests;

    const reparsed = await run(['reparse', 'ui.jsonl', '--dialect', 'qwen2-vl', '--out', 'ui-qwen.jsonl']);
    expect(reparsed.code).toBe(1);
    expect(reparsed.stderr).toMatch(/ui\.jsonl:3: old\.jpg: no saved answers \("raw"\); run detect with --save-raw/);
    expect(reparsed.stderr).toMatch(/reparse: 2 of 3 lines re-parsed with qwen2-vl, 0 error lines kept, 1 problem/);
    expect(server.stats.chatRequests).toBe(asked);
    const lines = jsonl(join(work, 'ui-qwen.jsonl'));
    expect(lines.map((l) => l.image)).toEqual(['ui-1.jpg', 'ui-2.jpg', 'old.jpg']);
    expect(lines[0].regions).toEqual(getDialect('qwen2-vl').parse(OS_ATLAS.answer, { width: 1280, height: 720 }).regions);
    expect(lines[1].regions).toEqual(getDialect('qwen2-vl').parse(OS_ATLAS.answer, { width: 1000, height: 800 }).regions);
    expect(lines[0]).toMatchObject({ dialect: 'qwen2-vl', model: 'ocrdet-test-model', raw: wrong[0].raw });
    expect(lines[0].warnings).toBeUndefined();

    // Re-parsing the good results in place with the dialect detect was wrongly told: not one answer gives a
    // box, the run says so, and the file keeps its regions.
    const before = readFileSync(join(work, 'ui-qwen.jsonl'), 'utf8');
    const again = await run(['reparse', 'ui-qwen.jsonl', '--dialect', 'internvl2', '--out', 'ui-qwen.jsonl']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^reparse: no answer gave a box with --dialect internvl2: is the dialect right\? Nothing written; ui-qwen\.jsonl is as it was$/m);
    expect(readFileSync(join(work, 'ui-qwen.jsonl'), 'utf8')).toBe(before);
    const toStdout = await run(['reparse', 'ui.jsonl', '--dialect', 'internvl2']);
    expect(toStdout.code).toBe(1);
    expect(toStdout.stderr).toMatch(/reparse: 2 of 3 lines re-parsed with internvl2, 2 answers with no box in the dialect, 0 error lines kept, 1 problem/);
  });
});
