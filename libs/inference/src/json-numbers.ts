/**
 * JSON arrays of numbers read from UTF-8 bytes into a Float64Array, every number exactly the double
 * JSON.parse gives. When its digits, read as an integer, are below 2^53 and its decimal exponent is
 * within ±22, the value is `digits / 10^k` (or `× 10^k`): both operands are exact doubles and IEEE
 * division rounds once, so the result is the correctly rounded value, as JSON.parse's is (Clinger's
 * fast path). 16 to 19 digits (about half of the float32 values and of k/255 printed as doubles)
 * take `longDecimal`, exact by the argument given there. Any other number goes through Number() on
 * its text. (The digits are accumulated in a double: exact while below 2^53, and rounding is
 * monotonic, so a true value of 2^53 or more never reads below it.)
 */
// Character codes, local to this module: the loops below read them on every byte, and an imported
// binding is a load (with its checks) per use where a local constant is folded away.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** 2^53: integers below it are exact doubles. */
const EXACT_INTEGERS = 2 ** 53;
/** `0,0,` read as a little-endian uint32. */
const TWO_ZEROS = 0x2c302c30;

/** readNumbers' answer when the array does not fit in `out` from `from` on. */
export const NO_ROOM = -2;

/** Where readNumbers leaves the length of the array it read. */
export interface NumbersRead {
  length: number;
}

// Reads past the end of the text give undefined, and every comparison with undefined is false, so
// the loop below stops at the end without a bounds check of its own.

/**
 * Reads the array of numbers at `pos` into `out` from index `from` on, its length into `read`;
 * returns NO_ROOM if it does not fit, else the position after its `]`, or -1 when the value is
 * anything else or breaks JSON's number grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
 */
export function readNumbers(text: Buffer, pos: number, out: Float64Array, from: number, read: NumbersRead): number {
  if (text[pos] !== OPEN_BRACKET) return -1;
  let c = text[++pos];
  while (c === SPACE || c === TAB || c === LF || c === CR) c = text[++pos];
  let n = from;
  const bytes = new DataView(text.buffer, text.byteOffset, text.length);
  if (c === CLOSE_BRACKET) {
    read.length = 0;
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
      value =
        exponent >= -22 && exponent <= 22 ? longDecimal(text, negative ? numberStart + 1 : numberStart, exponent) : NaN;
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
    read.length = n - from;
    return pos + 1;
  }
}

/** 2^27 + 1 (Veltkamp): splits a double into two halves whose products with another's halves are exact. */
const SPLITTER = 134217729;
/** 2^-85: far above the error of the correction below (under 2^-93 of the value), far below half an ulp (2^-53). */
const MIDPOINT_MARGIN = 2 ** -85;

/** The rounding error of `product = a × b`, exact (Dekker's product): a × b = product + the result. */
function productError(a: number, b: number, product: number): number {
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
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
  const shifted = head * POWERS_OF_TEN[tailDigits];
  const shiftedLow = productError(head, POWERS_OF_TEN[tailDigits], shifted);
  const high = shifted + tail;
  const tailPart = high - shifted;
  const low = shifted - (high - tailPart) + (tail - tailPart) + shiftedLow;
  let estimate: number;
  let correction: number;
  if (exponent < 0) {
    const power = POWERS_OF_TEN[-exponent];
    estimate = high / power;
    const back = estimate * power;
    correction = (high - back + (low - productError(estimate, power, back))) / power;
  } else {
    const power = POWERS_OF_TEN[exponent];
    estimate = high * power;
    correction = productError(high, power, estimate) + low * power;
  }
  const margin = (estimate < 0 ? -estimate : estimate) * MIDPOINT_MARGIN;
  const value = estimate + correction;
  if (estimate + (correction - margin) !== estimate + (correction + margin)) return NaN;
  return value;
}
