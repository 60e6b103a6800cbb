/**
 * A PROTOCOL DOUBLE of an OpenAI-compatible model server (./openai-double.js) that answers about known
 * images: it recognises which of them a request carries and lets the caller answer for that image — e.g. a
 * dataset's ground truth written in a grounding dialect, the answer of a model that is exactly right, or that
 * answer with errors put in on purpose. It is not a model.
 *
 * Recognition: ocrdet may send an image as its own bytes or oriented, shrunk and re-encoded (JPEG or PNG), so
 * the double compares a fingerprint that survives all of that — the image upright, shrunk to 16×16 grey
 * pixels — and picks the nearest known image. `answer(key, request)` gets the image's key and the request
 * (`request.image.width/height`: the size that was sent, which the answer's coordinates refer to).
 *
 * Plain JavaScript (with ./truth-double.d.ts) so that benches run it without a build.
 */
import sharp from 'sharp';
import { startOpenAiDouble } from './openai-double.js';

const SIDE = 16;

/** 16×16 grey pixels of the image as a person sees it (EXIF orientation applied). */
export async function fingerprint(input) {
  const { data } = await sharp(input).rotate().resize(SIDE, SIDE, { fit: 'fill' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  return data;
}

function distance(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

/**
 * @param {{ images: { key: string, image: string | Buffer }[], answer: (key: string, request: import('./openai-double.js').DoubleRequest) => string | Promise<string> } & import('./openai-double.js').DoubleOptions} options
 */
export async function startTruthDouble(options) {
  const { images, answer, ...rest } = options;
  const known = await Promise.all(images.map(async ({ key, image }) => ({ key, print: await fingerprint(image) })));
  const recognise = async (bytes) => {
    const print = await fingerprint(bytes);
    let best;
    for (const candidate of known) {
      const d = distance(print, candidate.print);
      if (!best || d < best.d) best = { key: candidate.key, d };
    }
    return best.key;
  };
  const double = await startOpenAiDouble({
    ...rest,
    answer: async (request) => answer(await recognise(request.image.bytes), request),
  });
  return Object.assign(double, { recognise });
}
