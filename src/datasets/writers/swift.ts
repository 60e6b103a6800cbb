/**
 * ms-swift custom-dataset JSONL.
 *
 * 3.x / 4.x (default): `{"messages": [{"role": "system", …}?, {"role": "user", "content": "<image>PROMPT"},
 * {"role": "assistant", "content": ANSWER}], "images": [PATH]}`, plus for `answer: 'objects'`
 * `"objects": {"ref": [...], "bbox": [[x1, y1, x2, y2], ...], "bbox_type": "real"}` with one
 * `<ref-object><bbox>` pair per line of the answer.
 * 2.x (`swiftVersion: 2`, the reference's own rows): `{"system"?: …, "query": PROMPT, "response": ANSWER,
 * "images": [PATH]}` (2.x inserts the image itself when the query has no <image> tag).
 *
 * Sources (read, not copied): modelscope/ms-swift@3602360a562313afbf2ef6065fdf61f271a2c5b9 (v4.4.3+59)
 * docs/source_en/Customization/Custom-dataset.md lines 12 and 288–326 (keys, "Grounding", objects fields:
 * ref, bbox of 2 or 4 numbers, bbox_type 'real' | 'norm1', image_id; ref and bbox fill their placeholders
 * independently, in order); swift/dataset/preprocessor/core.py lines 153–173 (_check_objects: only those
 * four keys, boxes of 2 or 4 numbers); swift/template/base.py lines 299–319 (normalize_bbox: 'real' boxes
 * are divided by the image's width and height as loaded, with PIL, without EXIF orientation).
 * ms-swift v2.6.1 (ab38bff) docs/source_en/Multi-Modal/internvl-best-practice.md (query/response/images rows).
 */
import { jsonlSink } from './jsonl.js';
import type { OutputFormatEntry, OutputSample, OutputWriter, WriterConfig } from './types.js';

/** JSON of a string, remembered for the few strings every row repeats (prompts). */
const repeated = new Map<string, string>();
function quoteRepeated(text: string): string {
  let quoted = repeated.get(text);
  if (quoted === undefined) {
    if (repeated.size > 64) repeated.clear();
    quoted = JSON.stringify(text);
    repeated.set(text, quoted);
  }
  return quoted;
}

/**
 * The 3.x row, written field by field (the same bytes JSON.stringify gives, without walking an object tree per
 * row). Without the `<image>` tag ms-swift puts the image where the template says: for Florence-2, nowhere in
 * the text (template/microsoft.py `_add_default_tags`, v3.12.6 line 22).
 */
function encodeV3(sample: OutputSample, imageTag: boolean): string {
  const system = sample.system ? `{"role":"system","content":${quoteRepeated(sample.system)}},` : '';
  const user = `{"role":"user","content":${quoteRepeated(`${imageTag ? '<image>' : ''}${sample.prompt ?? ''}`)}}`;
  const assistant = `{"role":"assistant","content":${JSON.stringify(sample.answer?.text ?? '')}}`;
  const objects = sample.answer?.objects ? `,"objects":${JSON.stringify(sample.answer.objects)}` : '';
  return `{"messages":[${system}${user},${assistant}],"images":[${JSON.stringify(sample.image)}]${objects}}\n`;
}

function encodeV2(sample: OutputSample): string {
  const row = {
    ...(sample.system ? { system: sample.system } : {}),
    query: sample.prompt ?? '',
    response: sample.answer?.text ?? '',
    images: [sample.image],
  };
  return `${JSON.stringify(row)}\n`;
}

function create(config: WriterConfig): OutputWriter {
  return {
    encode: config.swiftVersion === 2 ? encodeV2 : (sample) => encodeV3(sample, config.imageTag),
    openSinks: ({ out }) => ({ train: jsonlSink(out, 'train.jsonl'), val: jsonlSink(out, 'val.jsonl') }),
    files: () => ({ train: 'train.jsonl', val: 'val.jsonl' }),
  };
}

export const swiftFormat: OutputFormatEntry = {
  name: 'swift',
  aliases: ['ms-swift', 'swift3', 'swift4'],
  description: 'ms-swift custom-dataset JSONL (3.x/4.x messages + images [+ objects]; 2.x query/response)',
  answers: true,
  create,
};
