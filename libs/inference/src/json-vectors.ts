/**
 * JSON.parse of one JSON object held as UTF-8 bytes, with the arrays of numbers under the given keys
 * (a row's vector columns) read straight from the bytes into Float64Arrays, which the contract codec
 * takes as it takes lists. A row of mnist JSON is 784 numbers; JSON.parse makes an array of them
 * (garbage once packed into the float32 batch). Reading the digits here (json-numbers.ts) costs less
 * than JSON.parse does and leaves no garbage; every number is the double JSON.parse gives.
 *
 * Anything outside the simple case (not an object, an escape or `__proto__` or `constructor` as a
 * key at any depth, a vector key whose value is an array but not a flat array of numbers, anything
 * malformed) returns undefined: the caller then runs JSON.parse, so its result and its error messages
 * stay the reference. So an object it returns has none of the keys that prototype-poisoning guards
 * look for, escaped or not: a caller may skip such a guard for it. A vector key whose value is not an
 * array at all gets that value as JSON.parse reads it.
 */
import { readNumbers, NO_ROOM, type NumbersRead } from './json-numbers.js';
import { isDelimiter, plainStringEnd, skipSpace, stringOf } from './json-text.js';

/** What a reader looks for. */
export interface JsonVectorReaderOptions {
  /**
   * Also the keys of nested objects (a GraphQL body, whose rows sit in its variables). By default
   * only the object's own keys: a nested object in a row (an id column holding `{"pixels": [1]}`) is
   * a value to pass on as it is, lists and all.
   */
  atAnyDepth?: boolean;
  /**
   * Also every list of more than LONG_SCALAR_LIST numbers, under any key, as a Float64Array (a
   * GraphQL body's top-level `[Float!]` variable) rather than declining the body; shorter lists of
   * numbers stay arrays, as JSON.parse gives them.
   */
  longNumberLists?: boolean;
}

// Character codes, local to this module (see json-numbers.ts).
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Deeper nesting is left to JSON.parse (and its own limit). */
const MAX_DEPTH = 256;
/** Vectors are cut from slabs of at least this many numbers. */
const SLAB_LENGTH = 1 << 16;
const NO_VECTOR_KEYS: ReadonlySet<string> = new Set();
const INVALID = Symbol('invalid');
/**
 * A list of more scalars than this, outside the vector keys, declines the body (JSON.parse reads
 * such a list several times faster than one JSON.parse per scalar here), unless it is numbers and
 * the reader takes long number lists.
 */
const LONG_SCALAR_LIST = 4096;

/**
 * Reads JSON objects with the arrays of numbers under `vectorKeys` as Float64Arrays. One reader per
 * thread of use: it keeps the slab its vectors are cut from between calls, and is not reentrant.
 */
export class JsonVectorReader {
  /**
   * Vectors are views of a shared slab rather than arrays of their own: a typed array of a few KB
   * has an off-heap buffer, which costs more to allocate than reading a row's digits. A slab lives
   * until the last vector viewing it is dropped.
   */
  private slab = new Float64Array(SLAB_LENGTH);
  private slabUsed = 0;
  /**
   * The longest vector read so far in this body: a slab with less room left is replaced before a
   * vector is read. Per body, so that one huge vector (refused later by its contract) does not make
   * every later body allocate a slab of its size.
   */
  private longest = 0;
  /** Where the value that readObject, readArray or readValue last read ends. */
  private cursor = 0;
  private readonly read: NumbersRead = { length: 0 };
  private readonly nestedKeys: ReadonlySet<string>;
  private readonly longNumberLists: boolean;

  constructor(
    private readonly vectorKeys: ReadonlySet<string>,
    options: JsonVectorReaderOptions = {},
  ) {
    this.nestedKeys = options.atAnyDepth ? vectorKeys : NO_VECTOR_KEYS;
    this.longNumberLists = options.longNumberLists ?? false;
  }

  /**
   * The object in `text[start, end)` (one JSON text), as JSON.parse would return it but with the
   * value of each vector key a Float64Array; undefined when the general parser must decide. Never
   * throws.
   */
  parse(text: Buffer, start = 0, end = text.length): Record<string, unknown> | undefined {
    const pos = skipSpace(text, start, end);
    if (text[pos] !== OPEN_BRACE) return undefined;
    this.longest = 0;
    const object = this.readObject(text, pos, end, this.vectorKeys, 0);
    // A token that ran past `end` (only in malformed text) leaves the cursor beyond it: never equal.
    if (object === INVALID || skipSpace(text, this.cursor, end) !== end) return undefined;
    return object;
  }

  /** The object whose `{` is at `pos`, or INVALID. */
  private readObject(
    text: Buffer,
    pos: number,
    end: number,
    vectorKeys: ReadonlySet<string>,
    depth: number,
  ): Record<string, unknown> | typeof INVALID {
    if (depth > MAX_DEPTH) return INVALID;
    const object: Record<string, unknown> = {};
    pos = skipSpace(text, pos + 1, end);
    if (text[pos] === CLOSE_BRACE) {
      this.cursor = pos + 1;
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
        const vector = this.readVector(text, pos);
        if (vector === INVALID) return INVALID;
        object[key] = vector;
      } else {
        const value = this.readValue(text, pos, end, depth);
        if (value === INVALID) return INVALID;
        object[key] = value;
      }
      pos = skipSpace(text, this.cursor, end);
      if (text[pos] === COMMA) {
        pos = skipSpace(text, pos + 1, end);
        continue;
      }
      if (text[pos] !== CLOSE_BRACE) return INVALID;
      this.cursor = pos + 1;
      return object;
    }
  }

  /** The array whose `[` is at `pos`, or INVALID. */
  private readArray(text: Buffer, pos: number, end: number, depth: number): unknown[] | Float64Array | typeof INVALID {
    if (depth > MAX_DEPTH) return INVALID;
    if (this.longNumberLists && startsNumber(text, skipSpace(text, pos + 1, end))) {
      const numbers = this.readNumberList(text, pos);
      if (numbers !== INVALID) return numbers;
    }
    const array: unknown[] = [];
    pos = skipSpace(text, pos + 1, end);
    if (text[pos] === CLOSE_BRACKET) {
      this.cursor = pos + 1;
      return array;
    }
    for (;;) {
      const value = this.readValue(text, pos, end, depth);
      if (value === INVALID) return INVALID;
      if (array.push(value) > LONG_SCALAR_LIST && (typeof value !== 'object' || value === null)) return INVALID;
      pos = skipSpace(text, this.cursor, end);
      if (text[pos] === COMMA) {
        pos = skipSpace(text, pos + 1, end);
        continue;
      }
      if (text[pos] !== CLOSE_BRACKET) return INVALID;
      this.cursor = pos + 1;
      return array;
    }
  }

  /** Any JSON value at `pos`, or INVALID. Scalars other than plain strings go through JSON.parse of their text. */
  private readValue(text: Buffer, pos: number, end: number, depth: number): unknown {
    const c = text[pos];
    if (c === OPEN_BRACE) return this.readObject(text, pos, end, this.nestedKeys, depth + 1);
    if (c === OPEN_BRACKET) return this.readArray(text, pos, end, depth + 1);
    let valueEnd = pos;
    if (c === QUOTE) {
      const close = plainStringEnd(text, pos + 1, end);
      if (close >= 0) {
        this.cursor = close + 1;
        return stringOf(text, pos + 1, close);
      }
      // Escapes: find the closing quote, and let JSON.parse read (and check) the string.
      for (valueEnd = pos + 1; valueEnd < end && text[valueEnd] !== QUOTE; valueEnd++)
        if (text[valueEnd] === BACKSLASH) valueEnd++;
      if (valueEnd >= end) return INVALID;
      valueEnd++;
    } else {
      // A number or a literal: up to the next delimiter.
      while (valueEnd < end && !isDelimiter(text[valueEnd])) valueEnd++;
      if (valueEnd === pos) return INVALID;
    }
    this.cursor = valueEnd;
    try {
      return JSON.parse(text.toString('utf8', pos, valueEnd)) as unknown;
    } catch {
      return INVALID;
    }
  }

  /** The array of numbers at `pos` as a view of the slab, or INVALID. */
  private readVector(text: Buffer, pos: number): Float64Array | typeof INVALID {
    // The slab is replaced here, not inside readNumbers: its loop is optimized within a few rows, and
    // a branch it had not taken by then (a full slab) deoptimized it for good. A slab whose memory was
    // moved to another thread has length 0: it is replaced too.
    if (this.slab.length - this.slabUsed < this.longest || this.slab.length === 0) this.newSlab(this.longest);
    let valueEnd = readNumbers(text, pos, this.slab, this.slabUsed, this.read);
    if (valueEnd === NO_ROOM) {
      this.newSlab(Math.max(2 * this.longest, 2 * (this.slab.length - this.slabUsed)));
      valueEnd = readNumbers(text, pos, this.slab, this.slabUsed, this.read);
      while (valueEnd === NO_ROOM) {
        this.newSlab(2 * this.slab.length);
        valueEnd = readNumbers(text, pos, this.slab, this.slabUsed, this.read);
      }
    }
    if (valueEnd < 0) return INVALID;
    const length = this.read.length;
    if (length > this.longest) this.longest = length;
    const vector = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    this.cursor = valueEnd;
    return vector;
  }

  /** A list of numbers: a vector when long, else an array (its slab room given back); INVALID if not all numbers. */
  private readNumberList(text: Buffer, pos: number): unknown[] | Float64Array | typeof INVALID {
    const slab = this.slab;
    const used = this.slabUsed;
    const vector = this.readVector(text, pos);
    if (vector === INVALID || vector.length > LONG_SCALAR_LIST) return vector;
    const array = Array.from(vector);
    if (this.slab === slab) this.slabUsed = used;
    return array;
  }

  private newSlab(room: number): void {
    this.slab = new Float64Array(Math.max(SLAB_LENGTH, room));
    this.slabUsed = 0;
  }
}

/** Whether the byte at `pos` can start a JSON number. */
function startsNumber(text: Buffer, pos: number): boolean {
  const c = text[pos];
  return c === 0x2d || (c >= 0x30 && c <= 0x39);
}
