// No imports: the body thread loads this module, and a thread that only scans bytes must not load
// the API's errors, GraphQL and the whole inference library (checked by body-thread-imports.spec.ts).

/** The longest lists any request may hold, whatever it asks for (see checkVariableSizes). */
export interface ListBounds {
  /** Objects in one list (rows, MAX_ROWS_PER_REQUEST), and keys in one object. */
  objects: number;
  /** Elements of any kind in one list: a raw tensor of MAX_ROWS_PER_REQUEST rows of the widest input. */
  elements: number;
  /** Strings in one list: MAX_ROWS_PER_REQUEST rows of the widest string input (or of one string). */
  strings: number;
}

/** A list past its bound: where it is (a JSON path such as `variables.r`) and which bound it passed. */
export interface LongList {
  path: string;
  limit: number;
  kind: 'objects' | 'elements' | 'keys' | 'strings' | 'depth';
}

const QUOTE_BYTE = 0x22;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
/** Each byte's part in the structure (KIND): most bytes have none. */
const OTHER = 0;
const COMMA = 1;
const QUOTE = 2;
const OPEN = 3;
const CLOSE = 4;
const COLON = 5;
const KIND = new Uint8Array(256);
KIND[0x2c] = COMMA;
KIND[QUOTE_BYTE] = QUOTE;
KIND[OPEN_BRACKET] = KIND[OPEN_BRACE] = OPEN;
KIND[0x5d] = KIND[0x7d] = CLOSE;
KIND[0x3a] = COLON;
/** Smaller bodies are parsed unscanned: their lists cannot cost much. */
export const LIST_SCAN_FROM_BYTES = 64 * 1024;
/**
 * Deeper bodies are refused: no contract nests so deep (KServe's nested `data` needs a few levels),
 * and JSON.parse of a body of 5M `[` takes seconds.
 */
export const MAX_DEPTH = 64;

/**
 * The first list in a JSON body that holds more objects or elements than `bounds` allow (or object
 * with more keys than a list may hold objects), found in one pass over the bytes before anything is
 * parsed: JSON.parse of 5M `{}` rows costs seconds and gigabytes before any check could count them.
 * Reads structure only (brackets, braces, commas and where strings end), so it costs a byte loop; a
 * body that is not valid JSON gets undefined or a meaningless answer, and the parser after it
 * reports the syntax error. Returns undefined when every list is within bounds.
 */
export function findLongList(bytes: Uint8Array, bounds: ListBounds): LongList | undefined {
  // Per open list or object: whether it is a list, its commas (a list's elements are commas + 1),
  // objects held (lists), and where its last key starts and ends (objects), for the path. The
  // innermost one's list flag and commas live in locals, the stack's top, for the loop's speed.
  const isList = new Uint8Array(MAX_DEPTH);
  const commas = new Int32Array(MAX_DEPTH);
  const objects = new Int32Array(MAX_DEPTH);
  const strings = new Int32Array(MAX_DEPTH);
  const keyStart = new Int32Array(MAX_DEPTH);
  const keyEnd = new Int32Array(MAX_DEPTH);
  const maxElements = bounds.elements;
  const maxObjects = bounds.objects;
  const maxStrings = bounds.strings;
  let depth = -1;
  let inList = false;
  let count = 0;
  let expectKey = false;
  const end = bytes.length;
  for (let i = 0; i < end; i++) {
    // One table load per byte: digits, letters and spaces, nearly all of a large body, go on at once.
    const kind = KIND[bytes[i]];
    if (kind === OTHER) continue;
    if (kind === COMMA) {
      count++;
      if (inList) {
        if (count >= maxElements) break;
      } else {
        if (count >= maxObjects) break;
        expectKey = true;
      }
    } else if (kind === QUOTE) {
      const close = stringEnd(bytes, i + 1);
      if (close < 0) return undefined;
      if (inList && ++strings[depth] > maxStrings) {
        commas[depth] = count;
        return longList(bytes, depth, isList, commas, keyStart, keyEnd, 'strings', maxStrings);
      }
      if (expectKey && !inList && depth >= 0) {
        keyStart[depth] = i + 1;
        keyEnd[depth] = close;
        expectKey = false;
      }
      i = close;
    } else if (kind === OPEN) {
      if (inList && bytes[i] === OPEN_BRACE && ++objects[depth] > maxObjects) {
        commas[depth] = count;
        return longList(bytes, depth, isList, commas, keyStart, keyEnd, 'objects', maxObjects);
      }
      if (depth >= 0) commas[depth] = count;
      if (depth + 1 >= MAX_DEPTH) return longList(bytes, depth, isList, commas, keyStart, keyEnd, 'depth', MAX_DEPTH);
      depth++;
      inList = bytes[i] === OPEN_BRACKET;
      isList[depth] = inList ? 1 : 0;
      count = 0;
      objects[depth] = 0;
      strings[depth] = 0;
      keyStart[depth] = keyEnd[depth] = -1;
      expectKey = !inList;
    } else if (kind === CLOSE) {
      if (--depth >= 0) {
        inList = isList[depth] === 1;
        count = commas[depth];
      }
      expectKey = false;
    } else {
      expectKey = false;
    }
  }
  if (depth < 0 || (count < maxElements && (inList || count < maxObjects))) return undefined;
  // The loop stopped at a list or object past its bound.
  commas[depth] = count;
  return longList(
    bytes,
    depth,
    isList,
    commas,
    keyStart,
    keyEnd,
    inList ? 'elements' : 'keys',
    inList ? maxElements : maxObjects,
  );
}

/** Where the closing quote of the string whose content starts at `from` is, or -1. */
function stringEnd(bytes: Uint8Array, from: number): number {
  // Most strings are short (keys, labels): a few bytes read here cost less than a native search.
  const near = Math.min(bytes.length, from + 16);
  for (let at = from; at < near; at++) {
    const c = bytes[at];
    if (c === QUOTE_BYTE) return at;
    if (c === BACKSLASH) return escapedStringEnd(bytes, from);
  }
  return near < bytes.length ? escapedStringEnd(bytes, from) : -1;
}

/** stringEnd, for strings that hold a backslash or run long: one native search per quote. */
function escapedStringEnd(bytes: Uint8Array, from: number): number {
  for (let at = bytes.indexOf(QUOTE_BYTE, from); at >= 0; at = bytes.indexOf(QUOTE_BYTE, at + 1)) {
    // Escaped when an odd number of backslashes stands right before it.
    let slashes = 0;
    while (at - slashes - 1 >= from && bytes[at - slashes - 1] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
  return -1;
}

/** The LongList for the list or object open at `depth` (no closure over the loop's state: it would slow the loop). */
function longList(
  bytes: Uint8Array,
  depth: number,
  isList: Uint8Array,
  commas: Int32Array,
  keyStart: Int32Array,
  keyEnd: Int32Array,
  kind: LongList['kind'],
  limit: number,
): LongList {
  let path = '';
  // The innermost list or object itself is the one named; its own index or key is not part of the path.
  for (let d = 0; d < depth; d++) {
    if (isList[d] === 1) path += `[${commas[d]}]`;
    else if (keyStart[d] >= 0) {
      const key = Buffer.from(bytes.buffer, bytes.byteOffset + keyStart[d], keyEnd[d] - keyStart[d]).toString();
      path += `${path ? '.' : ''}${key.length > 64 ? `${key.slice(0, 64)}…` : key}`;
    }
  }
  if (path.length > 200) path = `${path.slice(0, 200)}…`;
  return { path: path || '(the body)', limit, kind };
}
