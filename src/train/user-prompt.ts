/**
 * The user prompt a fine-tuned model was trained with, and whether the detect command must send it. A model
 * learns its answer format for the exact query of its rows: the reference asked InternVL2
 * 请目标检测图像中的信息并给出边界框 in every row, not the internvl2 dialect's default, so at inference it must be
 * asked the same: `ocrdet detect --prompt '…'`. Data converted by ocrdet names its prompt in its data record
 * (detect --from reads it); for other data only the training rows tell (no engine and no args file keeps a user
 * prompt): the first row is read as `data convert --prompts-from` reads it.
 */
import { readPromptsFrom } from '../datasets/prompts-from.js';
import { dialects, type GroundingTask } from '../grounding/index.js';
import { resolveDataFiles } from './command.js';

export interface TrainingUserPrompt {
  text: string;
  /** Where it was read, for a diagnostic line: "data/ocr/train.jsonl:1". */
  where: string;
}

/** The task the printed detect command runs: the vlm backend's default (src/detectors/vlm/options.ts). */
const DETECT_TASK: GroundingTask = 'text';

/**
 * The user prompt of the first row of the recipe's training data (`data`: a directory with train.jsonl, or a
 * .jsonl file), `<image>` tag and surrounding whitespace removed; undefined when the data cannot be read.
 */
export async function trainingUserPrompt(data: string | undefined): Promise<TrainingUserPrompt | undefined> {
  if (!data) return undefined;
  const train = resolveDataFiles(data).train;
  try {
    const text = (await readPromptsFrom(train)).prompt?.trim();
    return text ? { text, where: `${train}:1` } : undefined;
  } catch {
    return undefined; // missing, empty or not JSON: the detect command is printed without --prompt
  }
}

/**
 * The user prompt the client must send itself: the training one, unless it is the one `ocrdet detect` sends by
 * default (the dialect's detection prompt for its default task). With no known dialect it is always sent.
 */
export function promptToSend(prompt: TrainingUserPrompt | undefined, dialect: string | undefined): TrainingUserPrompt | undefined {
  if (!prompt) return undefined;
  const known = dialect !== undefined && dialects.has(dialect) ? dialects.get(dialect) : undefined;
  return known?.prompts[DETECT_TASK] === prompt.text ? undefined : prompt;
}
