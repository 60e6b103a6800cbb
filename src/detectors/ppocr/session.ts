/**
 * The one door to onnxruntime-node. Sessions are created lazily (on first use), kept once per model file
 * and settings per process, shared by every detector that asks for them, and released when the last
 * user closes. Inputs are checked against what the model declares (`inputNames`, `inputMetadata`), and
 * every runtime failure becomes a ModelError naming the model.
 *
 * onnxruntime-node itself is imported on first use, so importing ocrdet stays cheap for commands that
 * never run a model.
 */
import { basename } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelError } from '../../core/errors.js';

export interface SessionSettings {
  intraOpThreads: number;
  interOpThreads: number;
  /** Let idle intra-op threads busy-wait for the next operator (onnxruntime's session.intra_op.allow_spinning). */
  threadSpinning: boolean;
}

/** A model's float32 output. */
export interface TensorOutput {
  data: Float32Array;
  dims: number[];
}

/** A loaded model with one float32 image input (N×C×H×W), as PaddleOCR's det, rec and cls exports have. */
export interface ModelSession {
  readonly file: string;
  readonly inputName: string;
  /** The declared input shape; symbolic (dynamic) dimensions are strings. */
  readonly inputShape: readonly (number | string)[];
  /** Runs the model on one N×C×H×W tensor and returns its first output. */
  run(data: Float32Array, dims: readonly number[]): Promise<TensorOutput>;
}

interface CacheEntry {
  promise: Promise<{ session: InferenceSession; model: ModelSession }>;
  users: number;
}

const cache = new Map<string, CacheEntry>();

let runtime: Promise<typeof import('onnxruntime-node')> | undefined;

function loadRuntime(): Promise<typeof import('onnxruntime-node')> {
  runtime ??= import('onnxruntime-node').catch((error: unknown) => {
    runtime = undefined;
    throw new ModelError(`onnxruntime-node cannot be loaded: ${(error as Error).message}`, { cause: error });
  });
  return runtime;
}

async function createSession(file: string, role: string, settings: SessionSettings): Promise<{ session: InferenceSession; model: ModelSession }> {
  const ort = await loadRuntime();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: settings.interOpThreads,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: settings.threadSpinning ? '1' : '0' } } },
    });
  } catch (error) {
    throw new ModelError(`${role} model ${file}: onnxruntime cannot load it (${firstLine(error)})`, { cause: error });
  }
  const model = describeModel(ort, session, file, role);
  return { session, model };
}

function describeModel(ort: typeof import('onnxruntime-node'), session: InferenceSession, file: string, role: string): ModelSession {
  const name = basename(file);
  if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
    throw new ModelError(
      `${role} model ${file}: expected one image input and at least one output, found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  const inputShape = meta && meta.isTensor ? meta.shape : [];
  if (meta && meta.isTensor && (meta.type !== 'float32' || (inputShape.length > 0 && inputShape.length !== 4))) {
    throw new ModelError(`${role} model ${file}: input "${inputName}" is ${meta.type} [${inputShape.join(', ')}], expected float32 N×3×H×W`);
  }
  return {
    file,
    inputName,
    inputShape,
    async run(data, dims) {
      checkDims(dims, inputShape, `${role} model ${name}`);
      let output;
      try {
        const feeds = { [inputName]: new ort.Tensor('float32', data, dims as number[]) };
        output = (await session.run(feeds))[outputName];
      } catch (error) {
        throw new ModelError(`${role} model ${name}: run failed on input [${dims.join('×')}] (${firstLine(error)})`, { cause: error });
      }
      if (!output || output.type !== 'float32') throw new ModelError(`${role} model ${name}: output "${outputName}" is not a float32 tensor`);
      return { data: output.data as Float32Array, dims: [...output.dims] };
    },
  };
}

/** Rejects a tensor whose fixed dimensions disagree with the model's declared input shape. */
function checkDims(dims: readonly number[], shape: readonly (number | string)[], what: string): void {
  if (shape.length === 0) return;
  if (dims.length !== shape.length) throw new ModelError(`${what}: input has ${dims.length} dimensions, the model expects ${shape.length}`);
  shape.forEach((expected, i) => {
    if (typeof expected === 'number' && expected > 0 && dims[i] !== expected) {
      throw new ModelError(`${what}: input dimension ${i} is ${dims[i]}, the model expects ${expected}`);
    }
  });
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * A claim on a shared session: nothing is loaded until `get()`; `release()` gives the claim back and
 * frees the native session when no detector uses it any more.
 */
export class SessionHandle {
  private entry: CacheEntry | undefined;
  private readonly key: string;

  constructor(
    readonly file: string,
    readonly role: 'det' | 'rec' | 'cls',
    private readonly settings: SessionSettings,
  ) {
    this.key = JSON.stringify([file, settings.intraOpThreads, settings.interOpThreads, settings.threadSpinning]);
  }

  /** Whether the session has been asked for (and so loaded or loading). */
  get loaded(): boolean {
    return this.entry !== undefined;
  }

  async get(): Promise<ModelSession> {
    if (!this.entry) {
      let entry = cache.get(this.key);
      if (!entry) {
        entry = { promise: createSession(this.file, this.role, this.settings), users: 0 };
        cache.set(this.key, entry);
        entry.promise.catch(() => cache.delete(this.key));
      }
      entry.users++;
      this.entry = entry;
    }
    try {
      return (await this.entry.promise).model;
    } catch (error) {
      this.entry = undefined;
      throw error;
    }
  }

  async release(): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    this.entry = undefined;
    entry.users--;
    if (entry.users > 0) return;
    if (cache.get(this.key) === entry) cache.delete(this.key);
    try {
      await (await entry.promise).session.release();
    } catch {
      // A session that failed to load has nothing to release.
    }
  }
}

/** How many distinct sessions this process holds (for tests and diagnostics). */
export function openSessionCount(): number {
  return cache.size;
}
