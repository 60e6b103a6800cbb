/**
 * The vlm backend's pure parts: the size each frame is sent at, the tile grid, merging regions across
 * frames, the retry arithmetic, the request limiter and option checks. Expected numbers are worked out by
 * hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { Region } from '../src/core/types.js';
import { getDialect } from '../src/grounding/index.js';
import { regionsFromAnswers } from '../src/detectors/vlm/answers.js';
import { RequestLimiter } from '../src/detectors/vlm/limiter.js';
import { mergeFrameRegions, textsAgree } from '../src/detectors/vlm/merge.js';
import { normaliseBaseUrl, vlmOptionsSchema } from '../src/detectors/vlm/options.js';
import { fitSize, parseTileSpec, planFrames, planTiles, sentSize } from '../src/detectors/vlm/plan.js';
import { backoffDelayMs, parseRetryAfter, withRetries, type AttemptError } from '../src/detectors/vlm/retry.js';

const box = (x1: number, y1: number, x2: number, y2: number, text?: string): Region => ({
  points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]],
  box: [x1, y1, x2, y2],
  ...(text === undefined ? {} : { text }),
});

describe('sizes sent', () => {
  it('never enlarges, and shrinks to the pixel budget keeping the aspect ratio', () => {
    expect(fitSize({ width: 800, height: 600 }, { maxPixels: 1_000_000 })).toEqual({ width: 800, height: 600 });
    // 4000×3000 = 12 MP into 3 MP: scale √(3/12) = 0.5 → 2000×1500.
    expect(fitSize({ width: 4000, height: 3000 }, { maxPixels: 3_000_000 })).toEqual({ width: 2000, height: 1500 });
    // --max-side 1000 on 4000×3000: scale 0.25 → 1000×750.
    expect(fitSize({ width: 4000, height: 3000 }, { maxPixels: 3_000_000, maxSidePx: 1000 })).toEqual({ width: 1000, height: 750 });
  });

  it('sends Qwen2.5-VL as it is, or shrunk to exactly its own smart_resize, so the answer frame is known', () => {
    const rule = getDialect('qwen2.5-vl').image;
    // The cookbook receipt, 870×1398, under the model's default 12.8 MP: smart_resize only rounds it (to 868×1400),
    // so it goes as it is and the server rounds exactly the pixels training rounded.
    expect(sentSize({ width: 870, height: 1398 }, { rule, maxPixels: 12_845_056 })).toEqual({ width: 870, height: 1398 });
    // Under 1,003,520 px (the rule's own budget): β = √(870·1398 / 1003520) = 1.1009, ⌊1398 / β / 28⌋ = 45 → 1260,
    // ⌊870 / β / 28⌋ = 28 → 784: the smart_resize of the original, not of a shrunk copy.
    expect(sentSize({ width: 870, height: 1398 }, { rule })).toEqual({ width: 784, height: 1260 });
    expect(sentSize({ width: 870, height: 1398 }, { rule, maxPixels: 1_003_520 })).toEqual({ width: 784, height: 1260 });
    // InternVL's coordinates are relative: a size under the user's cap that tiles as the original does is sent as
    // it is (790×1269 and 870×1398 both pick 2×3 tiles of 448 px).
    expect(sentSize({ width: 870, height: 1398 }, { rule: getDialect('internvl2').image, maxPixels: 1_003_520 })).toEqual({ width: 790, height: 1269 });
  });
});

describe('tiles', () => {
  const options = { maxPixels: 1_000_000, overlap: 0.2, maxTiles: 16, overview: true };

  it('auto leaves images up to twice the budget whole', () => {
    expect(planTiles({ width: 1600, height: 1200 }, { mode: 'auto' }, options)).toEqual([]);
  });

  it('auto cuts a large image into overlapping tiles of about the budget that cover it exactly', () => {
    // 3000×2000 = 6 MP over a 1 MP budget: side 1000, overlap 200 → ⌈(3000−200)/800⌉ = 4 across, pieces
    // ⌈(3000 + 3·200)/4⌉ = 900 wide; ⌈(2000−200)/800⌉ = 3 down, ⌈(2000 + 2·200)/3⌉ = 800 high.
    const tiles = planTiles({ width: 3000, height: 2000 }, { mode: 'auto' }, options);
    expect(tiles).toHaveLength(12);
    expect(tiles[0]).toEqual({ left: 0, top: 0, width: 900, height: 800 });
    expect(tiles.at(-1)).toEqual({ left: 2100, top: 1200, width: 900, height: 800 });
    // Lefts 0, 700, 1400, 2100: neighbours overlap by 200 px.
    expect(tiles.slice(0, 4).map((t) => t.left)).toEqual([0, 700, 1400, 2100]);
  });

  it('auto grows tiles rather than exceed maxTiles', () => {
    const tiles = planTiles({ width: 8000, height: 8000 }, { mode: 'auto' }, options);
    expect(tiles.length).toBeLessThanOrEqual(16);
    expect(tiles.length).toBeGreaterThan(1);
  });

  it('an explicit WxH tiles any image larger than one tile, and refuses absurd grids', () => {
    expect(parseTileSpec('512x256')).toEqual({ mode: 'fixed', width: 512, height: 256 });
    expect(planTiles({ width: 1000, height: 500 }, parseTileSpec('600x600'), options)).toHaveLength(2);
    expect(planTiles({ width: 500, height: 500 }, parseTileSpec('600x600'), options)).toEqual([]);
    expect(() => planTiles({ width: 5000, height: 5000 }, parseTileSpec('10x10'), options)).toThrow(/tiles/);
  });

  it('puts the whole image first as an overview, then the tiles', () => {
    const frames = planFrames({ width: 3000, height: 2000 }, { mode: 'auto' }, options, { rule: getDialect('internvl2').image, maxPixels: 1_000_000 });
    expect(frames.map((f) => f.kind)).toEqual(['full', ...Array(12).fill('tile')]);
    // The overview is sent at the budget (1224×816 ≤ 1 MP), each 900×800 tile at full resolution.
    expect(frames[0].sent).toEqual({ width: 1224, height: 816 });
    expect(frames[1].sent).toEqual({ width: 900, height: 800 });
  });
});

describe('merging frames', () => {
  it('makes one region of the same line seen by two tiles, and of a fragment inside the overview line', () => {
    const overview = [box(100, 100, 900, 140, 'Total amount due 42.00')];
    const tileA = [box(98, 101, 520, 139, 'Total amount'), box(100, 300, 200, 320, 'page 1')];
    const tileB = [box(102, 99, 901, 141, 'Total amount due 42.00'), box(100, 300, 201, 321, 'Page 1')];
    const merged = mergeFrameRegions([overview, tileA, tileB]);
    // Texts of equal length: the larger region's (tile B's 101×21 "Page 1") is kept.
    expect(merged.map((r) => r.text)).toEqual(['Total amount due 42.00', 'Page 1']);
    // The union of the members' boxes.
    expect(merged[0].box).toEqual([98, 99, 901, 141]);
    expect(merged[1].box).toEqual([100, 300, 201, 321]);
  });

  it('keeps different texts apart even when boxes overlap, and never merges two regions of one frame', () => {
    expect(mergeFrameRegions([[box(0, 0, 100, 20, 'apple')], [box(0, 0, 100, 20, 'pear')]])).toHaveLength(2);
    expect(mergeFrameRegions([[box(0, 0, 100, 20, 'a'), box(1, 0, 101, 20, 'a')]])).toHaveLength(2);
  });

  it('judges text agreement on case, spacing, containment and edit distance', () => {
    expect(textsAgree('INVOICE  No.', 'invoice no.')).toBe(true);
    expect(textsAgree('RM8.75', 'Nett Total: RM8.75')).toBe(true);
    expect(textsAgree('Facebook.com/BarWangRice', 'Facebook.com/BarWangR1ce')).toBe(true); // 1 edit in 24
    expect(textsAgree('CASH', 'Change')).toBe(false);
  });

  it('maps each tile answer back by its offset before merging', () => {
    // Two 500×500 tiles of a 900×500 image (lefts 0 and 400), InternVL 0–1000 coordinates of each tile.
    const internvl = getDialect('internvl2');
    const parts = [
      { answer: '<ref>hello</ref><box>[[900, 100, 1000, 200]]</box>', frame: { left: 0, top: 0, width: 500, height: 500 }, sent: { width: 500, height: 500 } },
      { answer: '<ref>hello</ref><box>[[100, 100, 200, 200]]</box><ref>far</ref><box>[[800, 800, 900, 900]]</box>', frame: { left: 400, top: 0, width: 500, height: 500 }, sent: { width: 500, height: 500 } },
    ];
    const { regions } = regionsFromAnswers(parts, internvl);
    // hello: tile 1 x 450–500, tile 2 x 400 + 50–100 = 450–500: one region. far: 400 + 400–450.
    expect(regions.map((r) => [r.text, r.box])).toEqual([
      ['hello', [450, 50, 500, 100]],
      ['far', [800, 400, 850, 450]],
    ]);
  });
});

describe('retry arithmetic', () => {
  const policy = { retries: 4, baseMs: 1000, maxMs: 30_000, maxRetryAfterMs: 120_000 };

  it('doubles the backoff each retry, with jitter between half and all of it, up to the ceiling', () => {
    const low = { ...policy, random: () => 0 };
    const high = { ...policy, random: () => 0.999999 };
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, low))).toEqual([500, 1000, 2000, 4000]);
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, high))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(10, high)).toBe(30_000);
  });

  it('waits at least what Retry-After asks, up to maxRetryAfterMs', () => {
    const low = { ...policy, random: () => 0 };
    expect(backoffDelayMs(0, low, 7000)).toBe(7000);
    expect(backoffDelayMs(0, low, 600_000)).toBe(120_000);
    expect(backoffDelayMs(3, low, 100)).toBe(4000);
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });

  it('retries retryable failures up to `retries` times, and stops at the first non-retryable one', async () => {
    const failure = (retryable: boolean): AttemptError => Object.assign(new Error(retryable ? 'flaky' : 'bad request'), { retryable });
    let calls = 0;
    const fast = { ...policy, baseMs: 1, maxMs: 1 };
    await expect(withRetries(async () => { calls++; throw failure(true); }, fast)).rejects.toThrow('flaky');
    expect(calls).toBe(5);
    calls = 0;
    await expect(withRetries(async () => { calls++; throw failure(false); }, fast)).rejects.toThrow('bad request');
    expect(calls).toBe(1);
    calls = 0;
    const retried: number[] = [];
    const value = await withRetries(async () => (++calls < 3 ? Promise.reject(failure(true)) : 'ok'), fast, { onRetry: (_e, n) => retried.push(n) });
    expect([value, retried]).toEqual(['ok', [1, 2]]);
  });
});

describe('request limiter', () => {
  it('grants at most `limit` slots, first come first served, and a raised limit frees waiters', async () => {
    const limiter = new RequestLimiter(2);
    const order: number[] = [];
    const releases = await Promise.all([limiter.acquire(), limiter.acquire()]);
    const third = limiter.acquire().then((release) => (order.push(3), release));
    const fourth = limiter.acquire().then((release) => (order.push(4), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.inFlight).toBe(2);
    releases[0]();
    (await third)();
    limiter.setLimit(3);
    (await fourth)();
    expect(order).toEqual([3, 4]);
  });

  it('drops a waiter whose signal aborts', async () => {
    const limiter = new RequestLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/stopped/);
    release();
    expect(limiter.inFlight).toBe(0);
  });
});

describe('options', () => {
  it('adds /v1 to a bare server address and keeps an explicit path', () => {
    expect(normaliseBaseUrl('http://gpu:8000')).toBe('http://gpu:8000/v1');
    expect(normaliseBaseUrl('http://localhost:11434/v1/')).toBe('http://localhost:11434/v1');
    expect(normaliseBaseUrl('https://host/api/openai/v1')).toBe('https://host/api/openai/v1');
  });

  it('names every bad option: unknown dialect, a key where a variable name belongs, a bad tile spec', () => {
    const result = vlmOptionsSchema.safeParse({ baseUrl: 'http://x:1/v1', dialect: 'gpt-4o', apiKeyEnv: 'sk-abc123', tile: 'big' });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths.sort()).toEqual(['apiKeyEnv', 'dialect', 'tile']);
    expect(result.error!.issues.find((i) => i.path[0] === 'dialect')!.message).toMatch(/internvl2.*qwen2\.5-vl/);
  });
});
