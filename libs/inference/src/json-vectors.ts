/**
 * JSON.parse of one JSON object held as UTF-8 bytes, with the arrays of numbers under the given keys
 * (a row's vector columns) read straight from the bytes into Float64Arrays, which
 * the contract codec takes as it takes lists. A row of mnist JSON is 784 numbers; JSON.parse makes an
 * array of them (garbage once packed into the float32 batch): most of the scoring CLI's CPU. Reading
 * the digits here costs about half as much as JSON.parse, on short decimals (`0.624`), on k/255
 * printed as doubles and on float32 values printed as doubles (`0.6240000128746033`) alike, and
 * leaves no garbage.
 *
 * Exactness: every number is the double JSON.parse gives. When its digits, read as an integer, are
 * below 2^53 and its decimal exponent is within ±22, the value is `digits / 10^k` (or `× 10^k`): both
 * operands are exact doubles and IEEE division rounds once, so the result is the correctly rounded
 * value, as JSON.parse's is (Clinger's fast path). 16 to 19 digits (about half of the float32 values
 * and of k/255 printed as doubles) take `longDecimal`, exact by the argument given there. Any other
 * number goes through Number() on its text. (The digits are accumulated in a double: exact while below
 * 2^53, and rounding is monotonic, so a true value of 2^53 or more never reads below it.)
 *
 * Anything outside the simple case (not an object, an escape or `__proto__` or `constructor` as a
 * key at any depth, a vector key whose value is an array but not a flat array of numbers, anything
 * malformed) returns undefined: the caller then runs JSON.parse, so its result and its error messages
 * stay the reference. So an object it returns has none of the keys that prototype-poisoning guards
 * look for, escaped or not: a caller may skip such a guard for it. A vector key whose value is not an
 * array at all gets that value as JSON.parse reads it.
 */

import { isAscii } from 'node:buffer';

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** 2^53: integers below it are exact doubles. */
const EXACT_INTEGERS = 2 ** 53;
// Reads past the end of the text give undefined, and every comparison with undefined is false, so
// the loops below stop at the end without a bounds check of their own.

/**
 * Vectors are views of a shared slab rather than arrays of their own: a typed array of a few KB has
 * an off-heap buffer, measured at 1.5 µs to allocate, more than reading a row's digits takes. A slab
 * lives until the last vector viewing it is dropped.
 */
const SLAB_LENGTH = 1 << 16;
let slab = new Float64Array(SLAB_LENGTH);
let slabUsed = 0;
/** The longest vector read so far: a slab with less room left is replaced before a vector is read. */
let longest = 0;
/** readVector's answer when the vector does not fit in the slab's room. */
const NO_ROOM = -2;

/**
 * The object in `text[start, end)` (one JSON text), as JSON.parse would return it but with the value
 * of each of its own keys in `vectorKeys` a Float64Array; undefined when the general parser must
 * decide. Never throws. By default only the object's own keys: a nested object in a row (an id
 * column holding `{"pixels": [1]}`) is a value to pass on as it is, lists and all. With
 * `atAnyDepth`, the keys of nested objects too (a GraphQL body, whose rows sit in its variables).
 */
export function parseObjectWithVectors(
  text: Buffer,
  start: number,
  end: number,
  vectorKeys: ReadonlySet<string>,
  { atAnyDepth = false }: { atAnyDepth?: boolean } = {},
): Record<string, unknown> | undefined {
  const pos = skipSpace(text, start, end);
  if (text[pos] !== OPEN_BRACE) return undefined;
  nestedVectorKeys = atAnyDepth ? vectorKeys : NO_VECTOR_KEYS;
  const object = readObject(text, pos, end, vectorKeys, 0);
  // A token that ran past `end` (only in malformed text) leaves the cursor beyond it: never equal.
  if (object === INVALID || skipSpace(text, cursor, end) !== end) return undefined;
  return object as Record<string, unknown>;
}

/** Deeper nesting is left to JSON.parse (and its own limit). */
const MAX_DEPTH = 256;
/** Where the value that `readObject`, `readArray` or `readValue` last read ends. */
let cursor = 0;
const NO_VECTOR_KEYS: ReadonlySet<string> = new Set();
/** The vector keys of nested objects, for the parse under way. */
let nestedVectorKeys = NO_VECTOR_KEYS;

/** The object whose `{` is at `pos`, or INVALID. */
function readObject(text: Buffer, pos: number, end: number, vectorKeys: ReadonlySet<string>, depth: number): Record<string, unknown> | typeof INVALID {
  if (depth > MAX_DEPTH) return INVALID;
  const object: Record<string, unknown> = {};
  pos = skipSpace(text, pos + 1, end);
  if (text[pos] === CLOSE_BRACE) {
    cursor = pos + 1;
    return object;
  }
  for (;;) {
    if (text[pos] !== QUOTE) return INVALID;
    const keyEnd = plainStringEnd(text, pos + 1, end);
    if (keyEnd < 0) return INVALID;
    const key = stringOf(text, pos + 1, keyEnd);
    // JSON.parse makes `__proto__` an own property; assignment would set the prototype. Both keys
    // are left to the caller's parser, whose poisoning guard (fastify's) decides what to do.
    if (key === '__proto__' || key === 'constructor') return INVALID;
    pos = skipSpace(text, keyEnd + 1, end);
    if (text[pos] !== COLON) return INVALID;
    pos = skipSpace(text, pos + 1, end);
    // Only an array is read as a vector. Any other value under a vector key is read as any value:
    // a GraphQL body may use the name for something else (mnist's compact column `pixels` is a
    // base64 string), and declining the body for it would send it all to JSON.parse.
    if (vectorKeys.has(key) && text[pos] === OPEN_BRACKET) {
      const vector = readVectorValue(text, pos);
      if (vector === INVALID) return INVALID;
      object[key] = vector;
    } else {
      const value = readValue(text, pos, end, depth);
      if (value === INVALID) return INVALID;
      object[key] = value;
    }
    pos = skipSpace(text, cursor, end);
    if (text[pos] === COMMA) {
      pos = skipSpace(text, pos + 1, end);
      continue;
    }
    if (text[pos] !== CLOSE_BRACE) return INVALID;
    cursor = pos + 1;
    return object;
  }
}

/** The array whose `[` is at `pos`, or INVALID. */
function readArray(text: Buffer, pos: number, end: number, depth: number): unknown[] | typeof INVALID {
  if (depth > MAX_DEPTH) return INVALID;
  const array: unknown[] = [];
  pos = skipSpace(text, pos + 1, end);
  if (text[pos] === CLOSE_BRACKET) {
    cursor = pos + 1;
    return array;
  }
  for (;;) {
    const value = readValue(text, pos, end, depth);
    if (value === INVALID) return INVALID;
    array.push(value);
    pos = skipSpace(text, cursor, end);
    if (text[pos] === COMMA) {
      pos = skipSpace(text, pos + 1, end);
      continue;
    }
    if (text[pos] !== CLOSE_BRACKET) return INVALID;
    cursor = pos + 1;
    return array;
  }
}

/** Any JSON value at `pos`, or INVALID. Scalars other than plain strings go through JSON.parse of their text. */
function readValue(text: Buffer, pos: number, end: number, depth: number): unknown {
  const c = text[pos];
  if (c === OPEN_BRACE) return readObject(text, pos, end, nestedVectorKeys, depth + 1);
  if (c === OPEN_BRACKET) return readArray(text, pos, end, depth + 1);
  let valueEnd = pos;
  if (c === QUOTE) {
    const close = plainStringEnd(text, pos + 1, end);
    if (close >= 0) {
      cursor = close + 1;
      return stringOf(text, pos + 1, close);
    }
    // Escapes: find the closing quote, and let JSON.parse read (and check) the string.
    for (valueEnd = pos + 1; valueEnd < end && text[valueEnd] !== QUOTE; valueEnd++) if (text[valueEnd] === BACKSLASH) valueEnd++;
    if (valueEnd >= end) return INVALID;
    valueEnd++;
  } else {
    // A number or a literal: up to the next delimiter.
    while (valueEnd < end && !isDelimiter(text[valueEnd])) valueEnd++;
    if (valueEnd === pos) return INVALID;
  }
  cursor = valueEnd;
  try {
    return JSON.parse(text.toString('utf8', pos, valueEnd)) as unknown;
  } catch {
    return INVALID;
  }
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === SPACE || c === TAB || c === LF || c === CR;
}

/** The array of numbers at `pos` as a view of the slab, or INVALID. */
function readVectorValue(text: Buffer, pos: number): Float64Array | typeof INVALID {
  // The slab is replaced here, not inside readVector: its loop is optimized within a few rows, and a
  // branch it had not taken by then (a full slab) deoptimized it, measured to leave about one
  // process in five reading 35% slower for good. A slab whose memory was moved to another thread
  // (the API's body thread sends its vectors over) has length 0: it is replaced too.
  if (slab.length - slabUsed < longest || slab.length === 0) newSlab(longest);
  let valueEnd = readVector(text, pos);
  if (valueEnd === NO_ROOM) {
    newSlab(Math.max(2 * longest, 2 * (slab.length - slabUsed)));
    valueEnd = readVector(text, pos);
    while (valueEnd === NO_ROOM) {
      newSlab(2 * slab.length);
      valueEnd = readVector(text, pos);
    }
  }
  if (valueEnd < 0) return INVALID;
  if (vectorLength > longest) longest = vectorLength;
  const vector = slab.subarray(slabUsed, slabUsed + vectorLength);
  slabUsed += vectorLength;
  cursor = valueEnd;
  return vector;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const PLUS = 0x2b;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const INVALID = Symbol('invalid');

function newSlab(room: number): void {
  slab = new Float64Array(Math.max(SLAB_LENGTH, room));
  slabUsed = 0;
}

/** Length of the vector `readVector` last read, from `slabUsed` on. */
let vectorLength = 0;

/** The first position from `pos` (before `end`) that is not JSON whitespace. */
export function skipSpace(text: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = text[pos];
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
    pos++;
  }
  return pos;
}

/** The text of a string without escapes: ASCII copied as is (cheaper than decoding), else UTF-8. */
function stringOf(text: Buffer, start: number, end: number): string {
  // A long string (a compact column is a MB of base64) is checked by isAscii's SIMD pass.
  if (end - start > 256) return text.toString(isAscii(text.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
  for (let k = start; k < end; k++) if (text[k] >= 0x80) return text.toString('utf8', start, end);
  return text.toString('latin1', start, end);
}

/** The closing quote of a string whose content starts at `pos`, or -1 if it has an escape or a control character (or no end). */
function plainStringEnd(text: Buffer, pos: number, end: number): number {
  // Keys and short values: byte by byte (a native call costs more than reading them).
  const shortEnd = Math.min(end, pos + SHORT_STRING);
  for (; pos < shortEnd; pos++) {
    const c = text[pos];
    if (c === QUOTE) return pos;
    if (c === BACKSLASH || c < SPACE) return -1;
  }
  if (pos >= end) return -1;
  // A long string (a compact column is a MB of base64): the quote by memchr, then the bytes before
  // it eight at a time. In-process, on 1 MB of base64: 0.33 ms against 0.93 ms byte by byte.
  const close = text.indexOf(QUOTE, pos);
  if (close < 0 || close >= end || hasEscapeOrControl(text, pos, close)) return -1;
  return close;
}

/** Strings up to this long are scanned byte by byte. */
const SHORT_STRING = 64;

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

const SPACES = 0x20202020;
const BACKSLASHES = 0x5c5c5c5c;
const ONES = 0x01010101;
const HIGH_BITS = 0x80808080;

/**
 * Reads the array of numbers at `pos` into the slab from `slabUsed` on (its length in `vectorLength`);
 * returns NO_ROOM if it does not fit, else the
 * position after its `]`, or -1 when the value is anything else or breaks JSON's number grammar
 * (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
 */
function readVector(text: Buffer, pos: number): number {
  if (text[pos] !== OPEN_BRACKET) return -1;
  let c = text[++pos];
  while (c === SPACE || c === TAB || c === LF || c === CR) c = text[++pos];
  const out = slab;
  let n = slabUsed;
  const bytes = new DataView(text.buffer, text.byteOffset, text.length);
  if (c === CLOSE_BRACKET) {
    vectorLength = 0;
    return pos + 1;
  }
  if (n === out.length) return NO_ROOM;
  for (;;) {
    const numberStart = pos;
    const negative = c === MINUS;
    if (negative) c = text[++pos];
    let mantissa = 0;
    let exponent = 0;
    if (c === ZERO) {
      c = text[++pos];
      // Most pixels are a bare 0: store it and go on.
      if (c === COMMA && n < out.length) {
        out[n++] = negative ? -0 : 0;
        // A run of them ("0,0,0,…": the background of an image, a sparse vector), four bytes at a time.
        const limit = text.length - 4;
        while (pos < limit && n + 2 <= out.length && bytes.getUint32(pos + 1, true) === TWO_ZEROS) {
          out[n++] = 0;
          out[n++] = 0;
          pos += 4;
        }
        c = text[++pos];
        while (c === SPACE || c === TAB || c === LF || c === CR) c = text[++pos];
        continue;
      }
    } else if (c > ZERO && c <= NINE) {
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        c = text[++pos];
      } while (c >= ZERO && c <= NINE);
    } else {
      return -1;
    }
    if (c === DOT) {
      c = text[++pos];
      if (!(c >= ZERO && c <= NINE)) return -1;
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        exponent--;
        c = text[++pos];
      } while (c >= ZERO && c <= NINE);
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = text[++pos];
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = text[++pos];
      if (!(c >= ZERO && c <= NINE)) return -1;
      let written = 0;
      do {
        // Past any exponent a double can use; capped so that a long run of digits cannot overflow.
        if (written < 100_000) written = written * 10 + (c - ZERO);
        c = text[++pos];
      } while (c >= ZERO && c <= NINE);
      exponent += negativeExponent ? -written : written;
    }
    let value: number;
    if (mantissa < EXACT_INTEGERS && exponent >= -22 && exponent <= 22) {
      value = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent] : mantissa * POWERS_OF_TEN[exponent];
      if (negative) value = -value;
    } else {
      value = exponent >= -22 && exponent <= 22 ? longDecimal(text, negative ? numberStart + 1 : numberStart, exponent) : NaN;
      if (value !== value) value = Number(text.toString('latin1', numberStart, pos));
      else if (negative) value = -value;
    }
    if (n === out.length) return NO_ROOM;
    out[n++] = value;
    while (c === SPACE || c === TAB || c === LF || c === CR) c = text[++pos];
    if (c === COMMA) {
      c = text[++pos];
      while (c === SPACE || c === TAB || c === LF || c === CR) c = text[++pos];
      continue;
    }
    if (c !== CLOSE_BRACKET) return -1;
    vectorLength = n - slabUsed;
    return pos + 1;
  }
}

/** `0,0,` read as a little-endian uint32. */
const TWO_ZEROS = 0x2c302c30;

/** 2^27 + 1 (Veltkamp): splits a double into two halves whose products with another's halves are exact. */
const SPLITTER = 134217729;
/** 2^-85: far above the error of the correction below (under 2^-93 of the value), far below half an ulp (2^-53). */
const MIDPOINT_MARGIN = 2 ** -85;
/** The low part of the product `twoProduct` last returned. */
let productLow = 0;

/** a × b rounded, with its rounding error, exact, left in productLow (Dekker's product). */
function twoProduct(a: number, b: number): number {
  const product = a * b;
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  productLow = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
  return product;
}

/**
 * The value of a number of 16 to 19 significant digits whose digits start at `start` and whose
 * decimal exponent (of its digits read as an integer) is `exponent`, within ±22; NaN when it has
 * more digits, or lies so near a midpoint between two doubles that this cannot tell which way it
 * rounds (then Number() decides). float32 data printed as doubles is mostly such numbers, and
 * Number() on their text costs several times more than this.
 *
 * Exactness: the digits D are held exactly as high + low (high = D rounded; low an integer below
 * 2^11). For D / 10^k, q = high / 10^k is within an ulp of the answer, and D − q·10^k is computed
 * exactly but for a last rounding (q·10^k as an exact two-double product, high − its upper half exact
 * by Sterbenz's lemma), so q + (D − q·10^k) / 10^k is the true value but for an error below 2^-93 of
 * it. Rounding is monotonic: when the sum with that correction nudged by ± a margin above the error
 * rounds the same both ways, the true value rounds the same way too. D × 10^k is alike: its product
 * is exact as two doubles, plus low × 10^k.
 */
function longDecimal(text: Buffer, start: number, exponent: number): number {
  let head = 0;
  let headDigits = 0;
  let tail = 0;
  let tailDigits = 0;
  for (let pos = start; ; pos++) {
    const c = text[pos];
    if (c === DOT) continue;
    if (!(c >= ZERO && c <= NINE)) break;
    // Leading zeros (0.000123) are no digits of the integer.
    if (headDigits === 0 && c === ZERO) continue;
    if (headDigits < 15) {
      head = head * 10 + (c - ZERO);
      headDigits++;
    } else if (tailDigits < 4) {
      tail = tail * 10 + (c - ZERO);
      tailDigits++;
    } else {
      return NaN;
    }
  }
  // D = head × 10^tailDigits + tail < 10^19, as high + low exactly: the product (below 2^64) as two
  // doubles, then the sum's rounding error (Knuth's two-sum); the two low parts are small integers.
  const shifted = twoProduct(head, POWERS_OF_TEN[tailDigits]);
  const high = shifted + tail;
  const tailPart = high - shifted;
  const low = shifted - (high - tailPart) + (tail - tailPart) + productLow;
  let estimate: number;
  let correction: number;
  if (exponent < 0) {
    const power = POWERS_OF_TEN[-exponent];
    estimate = high / power;
    const back = twoProduct(estimate, power);
    correction = (high - back + (low - productLow)) / power;
  } else {
    const power = POWERS_OF_TEN[exponent];
    estimate = twoProduct(high, power);
    correction = productLow + low * power;
  }
  const margin = (estimate < 0 ? -estimate : estimate) * MIDPOINT_MARGIN;
  const value = estimate + correction;
  if (estimate + (correction - margin) !== estimate + (correction + margin)) return NaN;
  return value;
}
