/**
 * Text → bytes in a legacy encoding (GBK, Big5, Shift_JIS, EUC-KR, windows-1252), for writing annotation files
 * as Chinese, Japanese, Korean and Western tools save them. Node has TextDecoder for these but no encoder, so
 * the table is the decoder's inverse: every one- and two-byte sequence decoded once, each character mapped back
 * to the bytes that gave it. Tests anchor it with byte sequences known from the standards (中文 in GBK is
 * D6 D0 CE C4), so a wrong table cannot pass unnoticed.
 */
const tables = new Map<string, Map<string, number[]>>();

function tableOf(label: string): Map<string, number[]> {
  let table = tables.get(label);
  if (table) return table;
  table = new Map();
  const decoder = new TextDecoder(label, { fatal: true });
  const add = (bytes: number[]) => {
    let text: string;
    try {
      text = decoder.decode(Uint8Array.from(bytes));
    } catch {
      return;
    }
    if ([...text].length === 1 && !table!.has(text)) table!.set(text, bytes);
  };
  for (let b = 0; b < 0x80; b++) add([b]);
  for (let b = 0x80; b <= 0xff; b++) add([b]);
  for (let lead = 0x81; lead <= 0xfe; lead++) for (let trail = 0x40; trail <= 0xfe; trail++) add([lead, trail]);
  tables.set(label, table);
  return table;
}

/** `text` in the encoding `label`; throws on a character the encoding cannot write. */
export function encodeAs(label: string, text: string): Buffer {
  const table = tableOf(label);
  const bytes: number[] = [];
  for (const ch of text) {
    const code = table.get(ch);
    if (!code) throw new Error(`${label} cannot encode ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase()})`);
    bytes.push(...code);
  }
  return Buffer.from(bytes);
}

/** `text` as UTF-16, little- or big-endian, with a byte-order mark or without. */
export function utf16(text: string, endian: 'le' | 'be', bom = true): Buffer {
  const le = Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le');
  return endian === 'le' ? le : le.swap16();
}
