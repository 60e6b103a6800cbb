/**
 * The README's "Fine-tune" section, held to what the code does: the commands a reader copies from it leave the
 * checkout as it was, and the detect command it shows after a vLLM deploy is the one ocrdet prints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCommandFor } from '../src/train/deploy.js';
import { PRESETS } from '../src/train/presets.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const START = README.indexOf('## Fine-tune: `ocrdet train`, `merge`, `deploy`');
const SECTION = README.slice(START, README.indexOf('\n## ', START + 1));

describe('README: Fine-tune section', () => {
  it('`train status` on the checkout\'s fixtures writes its plots elsewhere (--plots-dir) or not at all (--no-plots)', () => {
    const commands = SECTION.split('\n').filter((line) => /train status test\/fixtures\//.test(line));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toMatch(/ --plots-dir (?!test\/)\S+| --no-plots\b/);
  });

  it('the detect command shown after `deploy --engine vllm` is the one ocrdet prints: the run\'s record, InternVL2\'s system prompt', () => {
    const system = PRESETS.get('internvl2-8b').templateSystem as string;
    const record = 'runs/ocr/v0-20241005-082227/ocrdet-data.json';
    expect(SECTION).toContain(`\n${detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', 'internvl2', { system }, record)}\n`);
    const step6 = SECTION.split('\n').find((line) => line.startsWith('npx ocrdet detect photos/')) ?? '';
    expect(step6).toContain(`--from ${record} --system '${system}'`);
  });

  it('the presets table lists every preset, with its family', () => {
    for (const preset of PRESETS.all()) expect(SECTION).toMatch(new RegExp(`\\| \`${preset.name.replace(/\./g, '\\.')}\`( \\(default\\))? \\| ${preset.family.replace(/\./g, '\\.')} \\|`));
  });

  it('the --prompt it shows for a model trained on the reference\'s query is the one ocrdet prints', () => {
    const prompt = '请目标检测图像中的信息并给出边界框'; // test/fixtures/train/seed-scripts/ocr_det_test_dataset.head3.jsonl
    const shown = `--dialect internvl2 --prompt '${prompt}' --system '`;
    expect(SECTION).toContain(shown);
    expect(detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', 'internvl2', { prompt, system: '职位：…' })).toContain(shown);
  });
});
