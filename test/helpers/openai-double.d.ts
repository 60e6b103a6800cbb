/** Types of ./openai-double.js (a protocol double of an OpenAI-compatible server; see that file). */
export interface DoubleImage {
  mime: string;
  bytes: Buffer;
  width?: number;
  height?: number;
}

export interface DoubleRequest {
  /** 0-based order of arrival among chat requests. */
  index: number;
  body: Record<string, unknown>;
  image?: DoubleImage;
  prompt: string;
  system?: string;
}

export interface DoubleAnswer {
  /** null: what a reasoning model sends when it only thought. */
  content: string | null;
  finishReason?: string;
  completionTokens?: number;
  reasoning_content?: string;
}

export type DoubleFault =
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> }
  | { kind: 'stall' }
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'drop-mid-body' }
  | { kind: 'cut'; keepChars: number }
  | { kind: 'non-json' }
  | { kind: 'huge'; bytes: number; contentLength?: boolean };

export interface DoubleOptions {
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** When set, requests must carry exactly this `Authorization` header (e.g. `Basic …`). */
  authorization?: string;
  latencyMs?: number | ((request: DoubleRequest) => number);
  /** Chat requests worked on at once, at most (a GPU's batch); the others wait. Default: no limit. */
  capacity?: number;
  answer?: (request: DoubleRequest) => string | DoubleAnswer | Promise<string | DoubleAnswer>;
  /** The size to report as ms-swift's `images_size` (only sent when the request has return_details). */
  imagesSize?: (request: DoubleRequest) => [number, number];
  /** Keep a summary of each chat request in `received` (default true). */
  record?: boolean;
  port?: number;
}

export interface ReceivedRequest {
  body: Record<string, unknown>;
  prompt: string;
  system?: string;
  image?: { mime: string; width?: number; height?: number; byteLength: number };
}

export interface OpenAiDouble {
  readonly url: string;
  readonly port: number;
  faults: DoubleFault[];
  faultFor: ((request: DoubleRequest) => DoubleFault | undefined) | undefined;
  stats: { requests: number; chatRequests: number; inFlight: number; maxInFlight: number; completed: number; authHeaders: Set<string>; hugeWritten?: number };
  received: ReceivedRequest[];
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

export function imageHeaderSize(bytes: Buffer): { width: number; height: number } | undefined;
export function startOpenAiDouble(options?: DoubleOptions): Promise<OpenAiDouble>;
