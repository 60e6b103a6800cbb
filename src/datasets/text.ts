/**
 * Annotation text in the encoding it was written in, through the platform's TextDecoder (WHATWG Encoding:
 * GBK, GB2312 (read as GBK), GB18030, Big5, Shift_JIS, EUC-JP, EUC-KR, UTF-16, windows-1252 for Latin-1…).
 *
 * Which encoding: a byte-order mark (UTF-8, UTF-16 LE/BE) first; then text that is UTF-16 without one
 * (every other byte NUL: XML's `<?` as `3C 00 3F 00`, or plain text); then, for XML, the declaration's
 * `encoding="…"` (XML 1.0 §4.3.3, appendix F); else UTF-8.
 * Bytes that are not valid in that encoding are never silently replaced: they become U+FFFD and a warning
 * that names the line. Two gaps of Node's decoders are closed here: windows-1252's 0x80–0x9F decode to C1
 * controls on Node 20 (nodejs/node#56542; WHATWG says € ‚ ƒ „ … ’ “ ” –), mapped here by the standard's
 * table; and some bytes invalid in GBK or Big5 decode to private-use or C1 characters without an error,
 * which are reported as such.
 */
import { count } from '../core/plural.js';

/** windows-1252 bytes 0x80–0x9F (WHATWG index-windows-1252); 0x81, 0x8D, 0x8F, 0x90, 0x9D map to themselves. */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

/** Encodings whose decoders map some invalid bytes to private-use or C1 characters without an error. */
const LEGACY_MULTIBYTE = new Set(['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-jp', 'euc-kr', 'iso-2022-jp']);

export interface DecodedText {
  text: string;
  /** The decoder's canonical name: utf-8, utf-16le, gbk, windows-1252… */
  encoding: string;
  /** Why part of the text is not what the file holds: invalid bytes, with the line of the first. */
  warning?: { line: number; message: string };
}

/** An encoding the file declares that this Node.js cannot decode (a bad-file reason). */
export class UnknownEncodingError extends Error {
  constructor(readonly label: string) {
    super(`the XML declaration names the encoding "${label}", which this Node.js cannot decode (GBK, GB18030, Big5, Shift_JIS, EUC-KR, windows-1252, UTF-16 and others can)`);
    this.name = 'UnknownEncodingError';
  }
}

/** `encoding="…"` of an XML declaration at the start of ASCII-compatible bytes, if any. */
export function declaredXmlEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declaration = /^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][\w.:-]*)\1/.exec(head);
  return declaration?.[2];
}

/** A BOM's encoding and length, if the bytes start with one. */
function byteOrderMark(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/**
 * UTF-16 without a BOM: NUL in every odd (LE) or every even (BE) byte of the first 64 code units and nowhere
 * else. UTF-8 and the legacy encodings never hold NUL in text.
 */
function utf16WithoutBom(bytes: Uint8Array): string | undefined {
  const units = Math.min(64, Math.floor(bytes.length / 2));
  if (units < 2) return undefined;
  let lowNul = 0;
  let highNul = 0;
  for (let i = 0; i < units; i++) {
    if (bytes[2 * i] === 0) lowNul++;
    if (bytes[2 * i + 1] === 0) highNul++;
  }
  if (highNul === units && lowNul === 0) return 'utf-16le';
  if (lowNul === units && highNul === 0) return 'utf-16be';
  return undefined;
}

function decoderFor(label: string, fatal: boolean): InstanceType<typeof TextDecoder> {
  try {
    return new TextDecoder(label, { fatal });
  } catch {
    throw new UnknownEncodingError(label);
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Decodes `bytes` (see the module comment). Throws UnknownEncodingError for an encoding Node cannot decode. */
export function decodeText(bytes: Uint8Array, options: { xml?: boolean } = {}): DecodedText {
  const bom = byteOrderMark(bytes);
  let label = bom?.encoding ?? utf16WithoutBom(bytes) ?? (options.xml ? declaredXmlEncoding(bytes) : undefined) ?? 'utf-8';
  // A declaration readable as ASCII is not in UTF-16, whatever it says (XML 1.0 appendix F: UTF-16 has a BOM).
  if (!bom && /^utf-16/i.test(label) && !utf16WithoutBom(bytes)) label = 'utf-8';
  const body = bom ? bytes.subarray(bom.length) : bytes;
  const decoder = decoderFor(label, true);
  const encoding = decoder.encoding;
  let text: string;
  let invalid = 0;
  try {
    text = decoder.decode(body);
  } catch {
    text = decoderFor(label, false).decode(body);
    for (const ch of text) if (ch === '\uFFFD') invalid++;
  }
  if (encoding === 'windows-1252') text = text.replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]);
  // A BOM that the declaration or the NUL pattern chose the encoding over (and a second one) is not text.
  if (!bom && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const name = encoding.toUpperCase().replace('WINDOWS', 'windows').replace('SHIFT_JIS', 'Shift_JIS').replace('BIG5', 'Big5');
  if (invalid > 0) {
    return { text, encoding, warning: { line: lineAt(text, text.indexOf('\uFFFD')), message: `bytes not valid in ${name} (${count(invalid, 'character')} replaced by U+FFFD); is the file's encoding ${options.xml ? 'declared ' : ''}right?` } };
  }
  const suspicious = encoding === 'windows-1252' ? /[\u0080-\u009F]/ : LEGACY_MULTIBYTE.has(encoding) ? /[\u0080-\u009F\uE000-\uF8FF]/ : undefined;
  const at = suspicious ? text.search(suspicious) : -1;
  if (at !== -1) {
    const code = `U+${text.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return { text, encoding, warning: { line: lineAt(text, at), message: `bytes that are no character in ${name} (read as ${code}, a control or private-use code); is the file's encoding ${options.xml ? 'declared ' : ''}right?` } };
  }
  return { text, encoding };
}
