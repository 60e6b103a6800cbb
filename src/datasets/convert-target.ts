/**
 * What a conversion into training rows writes for: the dialect, the model family and its image settings, the
 * prompts, the ms-swift row format — checked against each other once, from the options, before any image is
 * read. Every contradiction is a UsageError naming both values. The data record (record-file.ts) is written
 * from this.
 */
import { UsageError } from '../core/errors.js';
import { getDialect } from '../grounding/index.js';
import { FAMILIES, familyOfDialect, type ModelFamily } from '../grounding/families.js';
import { describeRule, type ImageRule } from '../grounding/image-rules.js';
import type { DataRecord } from '../grounding/record.js';
import type { GroundingDialect, GroundingTask } from '../grounding/types.js';
import type { ConvertSettings } from './convert-options.js';
import type { AnswerStyle } from './convert-regions.js';

/**
 * Dialects whose ms-swift template writes their native boxes from `objects` (ms-swift v3.12.6
 * swift/llm/template/template/internvl.py lines 123–127, qwen.py lines 216–220 and 346–356).
 */
export const OBJECTS_DIALECTS = ['internvl2', 'qwen-vl', 'qwen2-vl', 'qwen2.5-vl', 'qwen3-vl'] as const;

/**
 * Why the other dialects need native answers, said where `--answer objects` is refused. ms-swift v3.12.6
 * swift/llm/template/base.py lines 850–868 (every template without its own replace_bbox writes `[(x1,y1),(x2,y2)]`)
 * and template/microsoft.py line 30 (Florence-2: `<loc_…>` of its 0–1000 boxes).
 */
const OBJECTS_REFUSALS: Readonly<Record<string, string>> = {
  'florence-2':
    "ms-swift's Florence-2 template writes `objects` as <loc_…> tokens of its 0–1000 boxes, which can reach <loc_1000> (Florence-2 has <loc_0>…<loc_999>) and hold no quadrilaterals, where native answers keep each line's quad",
  paligemma: "ms-swift's PaliGemma template has no box syntax of its own and writes `objects` as [(x1,y1),(x2,y2)], not PaliGemma's <locYYYY> tokens",
  'deepseek-vl2': "ms-swift's DeepSeek-VL2 template has no box syntax of its own and writes `objects` as [(x1,y1),(x2,y2)], not <|det|>[[x1, y1, x2, y2]]<|/det|>",
};

/** The ms-swift rows of a conversion: their format and the versions that train the family from them. */
export type SwiftRows = NonNullable<DataRecord['swift']>;

export interface AnswerTarget {
  dialect: GroundingDialect;
  family: ModelFamily;
  /** The family's image rule with the settings of this conversion (--max-tiles, --min-pixels, --max-pixels). */
  image: ImageRule;
  style: AnswerStyle;
  prompt: string;
  system?: string;
  answerStyle: DataRecord['answerStyle'];
  /** ms-swift rows only. */
  swift?: SwiftRows;
  /** Whether the user turn starts with `<image>` (ms-swift 3.x/4.x rows, except Florence-2's). */
  imageTag: boolean;
}

/** The family, dialect and image settings of a conversion, or a UsageError naming what contradicts what. */
function familyAndImage(settings: ConvertSettings, dialect: GroundingDialect): { family: ModelFamily; image: ImageRule } {
  const family = settings.family !== undefined ? FAMILIES.get(settings.family) : familyOfDialect(dialect.name);
  if (!family.dialects.includes(dialect.name)) {
    throw new UsageError(`convert: --family ${family.name} is trained in the ${family.dialects.join(' or ')} dialect, not --dialect ${settings.dialect}`);
  }
  const rule = family.image;
  if (settings.maxTiles !== undefined && rule.kind !== 'tiles') {
    throw new UsageError(`convert: --max-tiles ${settings.maxTiles} sets InternVL's tiling; ${family.name} sees images by ${describeRule(rule)}`);
  }
  for (const [flag, value] of [['--min-pixels', settings.minPixels], ['--max-pixels', settings.maxPixels]] as const) {
    if (value !== undefined && rule.kind !== 'smart-resize') {
      throw new UsageError(`convert: ${flag} ${value} is a smart_resize setting of Qwen2-VL, Qwen2.5-VL and Qwen3-VL; ${family.name} sees images by ${describeRule(rule)}`);
    }
  }
  if (rule.kind === 'tiles') return { family, image: settings.maxTiles !== undefined ? { ...rule, maxTiles: settings.maxTiles } : rule };
  if (rule.kind !== 'smart-resize') return { family, image: rule };
  const block = rule.factor * rule.factor;
  for (const [flag, value] of [['--min-pixels', settings.minPixels], ['--max-pixels', settings.maxPixels]] as const) {
    // qwen-vl-utils ≥ 0.0.14 counts pixels in whole blocks (ms-swift v3.12.6 model/model/qwen.py lines 763–775):
    // any other value would be trained as the block below it.
    if (value !== undefined && value % block !== 0) {
      throw new UsageError(`convert: ${flag} ${value} is not a whole number of ${rule.factor}×${rule.factor} blocks (${block} px); ${family.name} would use ${Math.floor(value / block) * block}: pass that, or ${Math.ceil(value / block) * block}`);
    }
  }
  const image = { ...rule, minPixels: settings.minPixels ?? rule.minPixels, maxPixels: settings.maxPixels ?? rule.maxPixels };
  if (image.minPixels > image.maxPixels) throw new UsageError(`convert: --min-pixels ${image.minPixels} is above --max-pixels ${image.maxPixels}`);
  return { family, image };
}

/** Which ms-swift versions train `family` from rows of the given format; a UsageError when none does. */
function swiftRows(settings: ConvertSettings, family: ModelFamily): SwiftRows {
  const sinceMajor = Number(family.swift.since.split('.')[0]);
  if (settings.swiftVersion === 2) {
    if (sinceMajor > 2) {
      throw new UsageError(`convert: --swift-version 2: no ms-swift 2.x release trains ${family.name} (ms-swift has it from ${family.swift.since}); use --swift-version 3`);
    }
    return { rows: '2.x', from: family.swift.since, before: '3.0.0' };
  }
  return { rows: '3.x/4.x', from: sinceMajor >= 3 ? family.swift.since : '3.0.0' };
}

/** The default prompt: the dialect's for the task, except where the answers will be ms-swift's legacy Qwen tokens. */
function defaultPrompt(dialect: GroundingDialect, task: GroundingTask, legacyTokens: boolean): string {
  // ms-swift renders `objects` for Qwen2.5-VL and Qwen3-VL as <|box_start|> tokens (QWENVL_BBOX_FORMAT=legacy,
  // ms-swift v3.12.6 template/qwen.py line 310): a prompt asking for JSON would teach the model to ignore it.
  const source = legacyTokens ? getDialect('qwen2-vl') : dialect;
  return source.prompts[task] ?? source.prompts.text;
}

/** Checks how the options combine for training rows and returns what the rows are written for. */
export function resolveAnswerTarget(settings: ConvertSettings, prompts: { prompt?: string; system?: string }): AnswerTarget {
  const dialect = getDialect(settings.dialect);
  if (settings.to === 'internvl' && dialect.name !== 'internvl2') {
    throw new UsageError(`convert: --to internvl writes InternVL's own data, whose answers are in the internvl2 dialect; got --dialect ${settings.dialect} (use --to swift for other models)`);
  }
  if (settings.answer === 'objects') {
    if (settings.to !== 'swift') throw new UsageError('convert: --answer objects is an ms-swift field; it needs --to swift');
    if (settings.swiftVersion === 2) throw new UsageError('convert: --answer objects writes the 3.x/4.x `objects` dict; ms-swift 2.x rows (--swift-version 2) take native answers only');
    if (!(OBJECTS_DIALECTS as readonly string[]).includes(dialect.name)) {
      throw new UsageError(`convert: --answer objects for ${dialect.name}: ${OBJECTS_REFUSALS[dialect.name] ?? "ms-swift's template does not write this dialect's boxes"}; use --answer native (objects works for ${OBJECTS_DIALECTS.join(', ')})`);
    }
  }
  const { family, image } = familyAndImage(settings, dialect);
  const swift = settings.to === 'swift' ? swiftRows(settings, family) : undefined;
  const legacyTokens = settings.answer === 'objects' && (dialect.name === 'qwen2.5-vl' || dialect.name === 'qwen3-vl');
  const style: AnswerStyle = {
    dialect,
    mode: settings.answer,
    task: settings.task,
    ...(image.kind === 'smart-resize' && dialect.grid.kind === 'input-pixels' ? { minPixels: image.minPixels, maxPixels: image.maxPixels } : {}),
  };
  return {
    dialect,
    family,
    image,
    style,
    prompt: prompts.prompt ?? defaultPrompt(dialect, settings.task, legacyTokens),
    ...(prompts.system !== undefined ? { system: prompts.system } : {}),
    answerStyle: legacyTokens ? 'qwen-legacy-tokens' : 'dialect',
    ...(swift ? { swift } : {}),
    // ms-swift 3.x passes Florence-2's user turn to its processor, which takes the task token alone
    // (template/microsoft.py lines 33–40; transformers tests/models/florence2/test_processing_florence2.py
    // test_construct_prompts): no <image> tag there.
    imageTag: swift?.rows === '3.x/4.x' && family.name !== 'florence-2',
  };
}
