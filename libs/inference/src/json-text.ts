/**
 * The byte-level pieces of the JSON vector reader (json-vectors.ts): character codes, whitespace,
 * delimiters and strings without escapes. Pure functions of the bytes they are given.
 */
import { isAscii } from 'node:buffer';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** The first position from `pos` (before `end`) that is not JSON whitespace. */
export function skipSpace(text: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = text[pos];
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
    pos++;
  }
  return pos;
}

/** Whether `c` ends a number or a literal. */
export function isDelimiter(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === SPACE || c === TAB || c === LF || c === CR;
}

/** The text of a string without escapes: ASCII copied as is (cheaper than decoding), else UTF-8. */
export function stringOf(text: Buffer, start: number, end: number): string {
  // A long string (a compact column is a MB of base64) is checked by isAscii's SIMD pass.
  if (end - start > 256) return text.toString(isAscii(text.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
  for (let k = start; k < end; k++) if (text[k] >= 0x80) return text.toString('utf8', start, end);
  return text.toString('latin1', start, end);
}

/** Strings up to this long are scanned byte by byte. */
const SHORT_STRING = 64;

/** The closing quote of a string whose content starts at `pos`, or -1 if it has an escape or a control character (or no end). */
export function plainStringEnd(text: Buffer, pos: number, end: number): number {
  // Keys and short values: byte by byte (a native call costs more than reading them).
  const shortEnd = Math.min(end, pos + SHORT_STRING);
  for (; pos < shortEnd; pos++) {
    const c = text[pos];
    if (c === QUOTE) return pos;
    if (c === BACKSLASH || c < SPACE) return -1;
  }
  if (pos >= end) return -1;
  // A long string (a compact column is a MB of base64): the quote by memchr, then the bytes before
  // it eight at a time, several times faster than byte by byte.
  const close = text.indexOf(QUOTE, pos);
  if (close < 0 || close >= end || hasEscapeOrControl(text, pos, close)) return -1;
  return close;
}

const SPACES = 0x20202020;
const BACKSLASHES = 0x5c5c5c5c;
const ONES = 0x01010101;
const HIGH_BITS = 0x80808080;

/**
 * Whether `text[from, to)` holds a backslash or a byte below 0x20. Each 32-bit word is tested at
 * once: `(x - 0x20202020) & ~x & 0x80808080` is non-zero exactly when a byte of x is below 0x20, and
 * the same with 0x01010101 on `x ^ 0x5c5c5c5c` when one is a backslash (the bit tricks' "has less"
 * and "has zero"; a borrow can only mark bytes above one already found, so the test is exact).
 */
function hasEscapeOrControl(text: Buffer, from: number, to: number): boolean {
  const words = new DataView(text.buffer, text.byteOffset, text.length);
  let k = from;
  for (; k + 8 <= to; k += 8) {
    const x = words.getUint32(k, true);
    const z = words.getUint32(k + 4, true);
    const y = x ^ BACKSLASHES;
    const w = z ^ BACKSLASHES;
    if ((((x - SPACES) & ~x) | ((y - ONES) & ~y) | ((z - SPACES) & ~z) | ((w - ONES) & ~w)) & HIGH_BITS) return true;
  }
  for (; k < to; k++) {
    const c = text[k];
    if (c === BACKSLASH || c < SPACE) return true;
  }
  return false;
}
