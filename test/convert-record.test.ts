/**
 * The data record data convert writes beside the rows (ocrdet-data.json), and rows that the real ms-swift
 * trains on as each model expects. Each ms-swift fact is cited with its file and tag; the seed-test set is the
 * data (examples/seed-test).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { formatDataRecord, readDataRecordFile } from '../src/datasets/record-file.js';
import { estimateTokens } from '../src/datasets/tokens.js';
import { FAMILIES } from '../src/grounding/families.js';
import { modelView } from '../src/grounding/image-rules.js';
import { checkedLength, recordInputSize, type DataRecord } from '../src/grounding/record.js';
import { getDialect } from '../src/grounding/index.js';
import { assistantOf, readJsonl, SEED_TEST, seedTestByImage, tempOut } from './helpers/convert.js';

type SwiftRow = { messages: { role: string; content: string }[]; images: string[] };
type Swift2Row = { query: string; response: string; images: string[] };

let truth: Map<string, Sample>;
beforeAll(async () => {
  truth = await seedTestByImage();
});

async function convert(options: Record<string, unknown>): Promise<{ out: string; record: DataRecord; rows: SwiftRow[] }> {
  const out = tempOut('record');
  await convertDataset(SEED_TEST, { out, ...options });
  const record = readDataRecordFile(join(out, 'ocrdet-data.json'));
  return { out, record, rows: readJsonl<SwiftRow>(join(out, 'train.jsonl')) };
}

describe('the data record', () => {
  it('names the family, the dialect, its grid, the image rule, the prompts and the ms-swift rows and versions', async () => {
    const { record } = await convert({});
    expect(record).toMatchObject({
      kind: 'ocrdet data record',
      version: 1,
      family: 'internvl2',
      dialect: 'internvl2',
      grid: { kind: 'norm1000', max: 1000 },
      image: { kind: 'tiles', tileSize: 448, maxTiles: 12, thumbnail: true, tokensPerTile: 256 },
      task: 'text',
      answer: 'native',
      answerStyle: 'dialect',
      prompt: '请识别图中所有文字，并输出坐标框',
      swift: { rows: '3.x/4.x', from: '3.0.0' },
      files: { train: 'train.jsonl', val: 'val.jsonl' },
    });
    expect([record.rows.train.length, record.rows.val.length]).toEqual([45, 5]);
  });

  it('counts each row\'s tokens: its image by the family\'s rule (exact), its prompt and answer as tokens.ts estimates them', async () => {
    const { out, record, rows } = await convert({});
    const family = FAMILIES.get('internvl2');
    // Everything but the answer is ms-swift's internvl2 template around the prompt (ChatML with its default system).
    const prompt = estimateTokens(family.template.promptText({ prompt: record.prompt, answer: '' }));
    rows.forEach((row, i) => {
      const sample = truth.get(row.images[0])!;
      expect(record.rows.train[i]).toEqual({ prompt, answer: estimateTokens(assistantOf(row)), image: modelView(sample, family.image).imageTokens });
    });
    // The file reads as the record it holds, one row per line.
    const text = readFileSync(join(out, 'ocrdet-data.json'), 'utf8');
    expect(text).toBe(formatDataRecord(record));
    expect(text).toContain(`\n      {"prompt": ${prompt}, "answer": `);
  });

  it('ms-swift 3.x counts InternVL\'s image tokens against max_length, 2.x does not: at 2048, 28 of 50 rows are over in 3.x, none in 2.x', async () => {
    // 3.x: _encode_truncated measures the row after the image tokens are in (v3.12.6 template/base.py lines 1272–1291,
    // internvl.py lines 129–159); 2.x checks in _concat_and_tokenize before InternvlTemplate._encode adds them (v2.6.1
    // swift/llm/utils/template.py lines 955–967 and 2454–2476).
    const { record } = await convert({});
    const family = FAMILIES.get('internvl2');
    const rows = [...record.rows.train, ...record.rows.val];
    expect(rows.filter((r) => checkedLength(r, family, 3) > 2048)).toHaveLength(28);
    expect(rows.filter((r) => checkedLength(r, family, 2) > 2048)).toHaveLength(0);
    // A 4:3 photo at 12 tiles + thumbnail alone is 3,328 tokens.
    expect(Math.max(...rows.map((r) => r.image))).toBe(3328);
  });

  it('--max-tiles 6 is InternVL2.5\'s own fine-tuning setting: the record and the token counts follow it', async () => {
    const { record } = await convert({ family: 'internvl2.5', maxTiles: 6 });
    expect(record).toMatchObject({ family: 'internvl2.5', image: { kind: 'tiles', maxTiles: 6 }, swift: { from: '3.0.0' } });
    expect(Math.max(...record.rows.train.map((r) => r.image))).toBe((6 + 1) * 256);
  });

  it('Qwen2.5-VL\'s boxes are pixels of the input the record names: 1,003,520 px, what ms-swift\'s grounding recipe trains with', async () => {
    // ms-swift v3.12.6 examples/train/multimodal/grounding.sh line 4: MAX_PIXELS=1003520; template/qwen.py lines
    // 487–489 (norm_bbox 'none': boxes in pixels of the smart-resized image).
    const { record, rows } = await convert({ dialect: 'qwen2.5-vl' });
    expect(record.image).toEqual({ kind: 'smart-resize', factor: 28, minPixels: 3136, maxPixels: 1003520 });
    for (const row of rows) {
      const sample = truth.get(row.images[0])!;
      const input = recordInputSize(record, sample)!;
      const boxes = [...assistantOf(row).matchAll(/"bbox_2d": \[(\d+), (\d+), (\d+), (\d+)\]/g)].map((m) => m.slice(1).map(Number));
      for (const [, , x2, y2] of boxes) expect(x2 <= input.width && y2 <= input.height, row.images[0]).toBe(true);
      const { regions } = getDialect('qwen2.5-vl').parse(assistantOf(row), sample, { inputSize: input });
      expect(regions.length).toBe(boxes.length);
    }
  });
});

describe('rows ms-swift trains on as each model expects', () => {
  it('Florence-2, 3.x/4.x rows: the user turn is the task token alone, no <image> tag', async () => {
    // ms-swift v3.12.6 swift/llm/template/template/microsoft.py lines 33–40 and v4.5.2 swift/template/templates/
    // microsoft.py: the last user message goes to the processor's _construct_prompts, which refuses a task token
    // with other text (huggingface/transformers@ceeab83 tests/models/florence2/test_processing_florence2.py,
    // test_construct_prompts: "<OCR> extra text" raises). ms-swift's own test sends '<OD>' with no tag
    // (v3.12.6 tests/test_align/test_template/test_vision.py lines 343–349).
    const { record, rows } = await convert({ dialect: 'florence-2' });
    for (const row of rows) expect(row.messages.find((m) => m.role === 'user')!.content).toBe('<OCR_WITH_REGION>');
    expect(record).toMatchObject({ family: 'florence-2', prompt: '<OCR_WITH_REGION>', swift: { rows: '3.x/4.x', from: '3.0.0' } });
    // 2.x rows were and stay the task token as the query (v2.6.1 template.py lines 2668–2671).
    const out = tempOut('florence-2x');
    await convertDataset(SEED_TEST, { out, dialect: 'florence-2', swiftVersion: 2 });
    for (const row of readJsonl<Swift2Row>(join(out, 'train.jsonl'))) expect(row.query).toBe('<OCR_WITH_REGION>');
  });

  it('PaliGemma: no newline of our own; the template adds the one the model is trained with', async () => {
    // ms-swift v3.12.6 template/gemma.py line 64 and v2.6.1 template.py line 3300 write `{{QUERY}}\n`;
    // big_vision@0127fb6 configs/proj/paligemma/transfers/common.py lines 29–36: prefix, one '\n' separator, suffix.
    const { record, rows } = await convert({ dialect: 'paligemma' });
    expect(record.prompt).toBe('detect text');
    for (const row of rows) expect(row.messages.find((m) => m.role === 'user')!.content).toBe('<image>detect text');
    const prefixAsTrained = `${record.prompt}\n`;
    expect(prefixAsTrained.match(/\n/g)).toHaveLength(1);
  });

  it('ms-swift 2.x rows only for families a 2.x release trains', async () => {
    // v2.6.1 swift/llm/utils/model.py: internvl2-*, qwen-vl-chat, qwen2-vl-*, florence-2-*, paligemma-3b-* (v1); no
    // Qwen2.5-VL, Qwen3-VL, DeepSeek-VL2 or PaliGemma 2.
    for (const [dialect, from] of [['qwen2.5-vl', '3.1.0'], ['qwen3-vl', '3.9.1'], ['deepseek-vl2', '3.0.0'], ['paligemma', '3.0.1']] as const) {
      await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect, swiftVersion: 2 })).rejects.toMatchObject({
        code: 'OCRDET_USAGE',
        message: expect.stringContaining(`(ms-swift has it from ${from}); use --swift-version 3`),
      });
    }
    const { record } = await convert({ dialect: 'paligemma', family: 'paligemma', swiftVersion: 2 });
    expect(record.swift).toEqual({ rows: '2.x', from: '2.4.2', before: '3.0.0' });
  });

  it('--answer objects for Qwen2.5-VL asks without "JSON": ms-swift renders objects as <|box_start|> tokens', async () => {
    // ms-swift v3.12.6 template/qwen.py line 310: QWENVL_BBOX_FORMAT defaults to 'legacy'; lines 346–356 write
    // <|object_ref_start|>…<|box_start|>(x1,y1),(x2,y2)<|box_end|>.
    const { record, rows } = await convert({ dialect: 'qwen2.5-vl', answer: 'objects' });
    expect(record).toMatchObject({ answer: 'objects', answerStyle: 'qwen-legacy-tokens' });
    expect(record.prompt).not.toMatch(/json/i);
    expect(rows[0].messages.find((m) => m.role === 'user')!.content).toBe(`<image>${record.prompt}`);
    // The native prompt keeps asking for JSON, which is what those answers are.
    expect((await convert({ dialect: 'qwen2.5-vl' })).record.prompt).toMatch(/JSON/);
  });

  it('the Florence-2 objects refusal says what ms-swift writes: <loc_…> tokens, up to one Florence-2 lacks', async () => {
    await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect: 'florence-2', answer: 'objects' })).rejects.toThrow(/<loc_…> tokens of its 0–1000 boxes, which can reach <loc_1000>/);
  });

  it('settings that do not fit the family are usage errors naming both', async () => {
    await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect: 'qwen2.5-vl', maxTiles: 6 })).rejects.toThrow('convert: --max-tiles 6 sets InternVL\'s tiling; qwen2.5-vl sees images by smart_resize');
    await expect(convertDataset(SEED_TEST, { out: tempOut(), maxPixels: 1003520 })).rejects.toThrow(/--max-pixels 1003520 is a smart_resize setting .*; internvl2 sees images by tiles/);
    // qwen-vl-utils ≥ 0.0.14 counts whole 28×28 blocks (ms-swift v3.12.6 model/model/qwen.py lines 763–775).
    await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect: 'qwen2-vl', maxPixels: 1000000 })).rejects.toThrow('would use 999600: pass that, or 1000384');
    await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect: 'internvl2', family: 'qwen2-vl' })).rejects.toThrow('--family qwen2-vl is trained in the qwen2-vl dialect, not --dialect internvl2');
  });
});
