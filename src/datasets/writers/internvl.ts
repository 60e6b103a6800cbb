/**
 * InternVL's own fine-tuning data: JSONL rows `{"id": N, "image": PATH, "width": W, "height": H,
 * "conversations": [{"from": "human", "value": "<image>\nPROMPT"}, {"from": "gpt", "value": ANSWER}]}` and a
 * meta file naming the annotation file, its image root and length (meta.json: train only, since InternVL's
 * scripts train on every dataset a meta file lists). The image path is joined to `root` with os.path.join,
 * so absolute paths pass through and relative ones are relative to the output folder, which is the root.
 *
 * Source (read, not copied): czczup/InternVL-doc@458c7fc567b19c595a655bcf6df5fe44be72f57f
 * docs/en/get_started/chat_data_format.md ("Meta File", "Single-Image Data", "Grounding / Detection Data").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonlSink } from './jsonl.js';
import type { OutputFormatEntry, OutputSample, OutputWriter } from './types.js';

function encode(sample: OutputSample): string {
  const row = {
    image: sample.image,
    width: sample.size.width,
    height: sample.size.height,
    conversations: [
      { from: 'human', value: `<image>\n${sample.prompt ?? ''}` },
      { from: 'gpt', value: sample.answer?.text ?? '' },
    ],
  };
  return `${JSON.stringify(row)}\n`;
}

function create(): OutputWriter {
  return {
    encode,
    // The sink puts the id first: `{"id":N,` + the rest of the row.
    openSinks: ({ out }) => ({ train: jsonlSink(out, 'train.jsonl', true), val: jsonlSink(out, 'val.jsonl', true) }),
    files: () => ({ train: 'train.jsonl', val: 'val.jsonl', meta: 'meta.json' }),
    finish({ out }, samples) {
      const meta = {
        ocrdet_train: { root: out, annotation: join(out, 'train.jsonl'), data_augment: false, repeat_time: 1, length: samples.train },
      };
      writeFileSync(join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    },
  };
}

export const internvlFormat: OutputFormatEntry = {
  name: 'internvl',
  aliases: ['internvl-chat'],
  description: "InternVL's fine-tuning JSONL (id, image, width, height, conversations) + meta.json",
  answers: true,
  create,
};
