import { describe, expect, it } from 'vitest';
import { JsonVectorReader } from './json-vectors.js';

const VECTORS = new Set(['pixels', 'v']);

function parse(text: string, keys: ReadonlySet<string> = VECTORS): Record<string, unknown> | undefined {
  const bytes = Buffer.from(text);
  return new JsonVectorReader(keys).parse(bytes, 0, bytes.length);
}

/** The fast value equals JSON.parse's: same keys in the same order, same doubles (-0 included), vectors as Float64Arrays of the list's numbers. */
function expectSame(fast: unknown, reference: unknown, path: string): void {
  if (fast instanceof Float64Array) {
    if (!Array.isArray(reference) || reference.length !== fast.length)
      expect.fail(`${path}: a vector of ${fast.length}, JSON.parse gives ${JSON.stringify(reference)}`);
    for (let k = 0; k < fast.length; k++)
      if (!Object.is(fast[k], reference[k]))
        expect.fail(`${path}[${k}] is ${fast[k]}, JSON.parse gives ${reference[k]}`);
  } else if (Array.isArray(fast)) {
    expect(Array.isArray(reference) && reference.length, path).toBe(fast.length);
    fast.forEach((item, k) => expectSame(item, (reference as unknown[])[k], `${path}[${k}]`));
  } else if (typeof fast === 'object' && fast !== null) {
    expect(Object.getPrototypeOf(fast), path).toBe(Object.prototype);
    expect(Object.keys(fast), path).toEqual(Object.keys(reference as object));
    for (const key of Object.keys(fast))
      expectSame((fast as Record<string, unknown>)[key], (reference as Record<string, unknown>)[key], `${path}.${key}`);
  } else if (!Object.is(fast, reference)) {
    expect.fail(`${path} is ${String(fast)}, JSON.parse gives ${String(reference)}`);
  }
}

/** What the function promises: either it declines, or it gives exactly JSON.parse's object. */
function expectAgreement(text: string): Record<string, unknown> | undefined {
  const fast = parse(text);
  if (fast !== undefined) expectSame(fast, JSON.parse(text), text.slice(0, 60));
  return fast;
}

/** A small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Numbers spelled every way JSON allows: short decimals, shortest round-trip doubles, 17+ digits, exponents near and past the double range. */
function numberSpellings(rnd: () => number, count: number): string[] {
  const spellings = [
    '0',
    '-0',
    '0.0',
    '-0.0',
    '1',
    '-1',
    '0.5',
    '1e0',
    '1E+2',
    '1e-2',
    '2.5e-3',
    '123456789012345',
    '1234567890123456',
    '12345678901234567890',
    '9007199254740993',
    '0.1',
    '0.30000000000000004',
    '1e22',
    '1e23',
    '1e-22',
    '1e-23',
    '4.9e-324',
    '2e-324',
    '1.7976931348623157e308',
    '1.8e308',
    '1e400',
    '-1e400',
    '1e-400',
    '0.000001',
    '100000000000000000000000',
    '0.00000000000000000000000000001',
    '3.141592653589793238462643383279',
    // Digits about 2^53 = 9007199254740992, where the fast path ends.
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '0.9007199254740991',
    '0.9007199254740993',
    '9.007199254740993e-7',
    '0.99215686321258545',
  ];
  for (let i = 0; i < count; i++) {
    const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    // float32 values printed as doubles (16–17 digits), as clients that hold float32 data send them.
    spellings.push(
      JSON.stringify(Math.fround(rnd())),
      JSON.stringify(Math.fround(x)),
      JSON.stringify(x),
      x.toFixed(Math.floor(rnd() * 8)),
      x.toExponential(Math.floor(rnd() * 18)),
      String(Math.round(rnd() * 255) / 255),
      (rnd() * 1e6).toPrecision(1 + Math.floor(rnd() * 20)),
    );
  }
  return spellings.map((s) => s.replace('e+', rnd() < 0.5 ? 'e+' : 'e').replace('e', rnd() < 0.5 ? 'e' : 'E'));
}

describe('JsonVectorReader', () => {
  it('reads every spelling of a number as the double JSON.parse gives', () => {
    const spellings = numberSpellings(random(1), 2000);
    const fast = expectAgreement(`{"v":[${spellings.join(',')}]}`);
    expect(fast?.v).toBeInstanceOf(Float64Array);
    expect((fast?.v as Float64Array).length).toBe(spellings.length);
  });

  it('reads 16 to 19 digits as JSON.parse does, numbers a hair from a midpoint between two doubles included', () => {
    const rnd = random(11);
    const bits = new BigUint64Array(1);
    const double = new Float64Array(bits.buffer);
    const spellings: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = rnd() * 10 ** Math.floor(rnd() * 30 - 15);
      // The exact decimal of the midpoint between x and the next double up, (2m + 1) · 2^(e − 1),
      // cut to 16–19 digits and nudged by one in the last: the numbers whose rounding is hardest.
      double[0] = x;
      const exponent = Number(bits[0] >> 52n) - 1076;
      const digits = (((bits[0] & ((1n << 52n) - 1n)) | (1n << 52n)) * 2n + 1n) * 5n ** BigInt(-exponent);
      const text = digits.toString();
      const kept = 16 + Math.floor(rnd() * 4);
      spellings.push(
        `${BigInt(text.slice(0, kept)) + BigInt(Math.floor(rnd() * 3) - 1)}e${text.length - kept + exponent}`,
      );
      // Random digits with the point anywhere, and float32 values printed as doubles.
      let random16to19 = String(1 + Math.floor(rnd() * 9));
      while (random16to19.length < kept) random16to19 += String(Math.floor(rnd() * 10));
      const point = Math.floor(rnd() * kept);
      spellings.push(
        `${random16to19.slice(0, point) || '0'}.${random16to19.slice(point)}`,
        `-${random16to19}e${Math.floor(rnd() * 45) - 22}`,
        JSON.stringify(Math.fround(rnd())),
      );
    }
    expect(expectAgreement(`{"v":[${spellings.join(',')}]}`)?.v).toBeInstanceOf(Float64Array);
  });

  it('gives the other keys exactly as JSON.parse does, in the same order', () => {
    const text =
      '{"id":"d1","n":-1.5e3,"ok":true,"no":false,"none":null,"nested":{"a":[1,{"b":"]"}]},"list":[1,2],"s":"caf\u00e9 \\"q\\" \\u00e9\\n","pixels":[0,0.624,1],"e":"","u":"\u{1F600}"}';
    const fast = expectAgreement(text);
    expect(fast?.pixels).toBeInstanceOf(Float64Array);
    // A list under a key that is not a vector key stays a list.
    expect(fast?.list).toEqual([1, 2]);
  });

  it('takes JSON whitespace anywhere JSON does, and empty objects and vectors', () => {
    expect(expectAgreement(' \t{ "pixels" :\r\n[ 1 ,\t2 , -0 ] , "id" : 7 } \t')?.pixels).toEqual(
      new Float64Array([1, 2, -0]),
    );
    expect(expectAgreement('{}')).toEqual({});
    expect(expectAgreement('{"pixels":[]}')?.pixels).toEqual(new Float64Array(0));
    // A repeated key: the last value wins, in the first one's place, as with JSON.parse.
    expect(Object.keys(expectAgreement('{"pixels":[1],"id":2,"pixels":[3]}') ?? {})).toEqual(['pixels', 'id']);
  });

  it('declines what it does not read itself, leaving it to JSON.parse', () => {
    const declined = [
      '',
      ' ',
      '[1,2]',
      '12',
      '"s"',
      'null',
      '{',
      '{"pixels":[1,2]',
      '{"pixels":[1,2]}}',
      '{"pixels":[1,2]} x',
      '{"pixels":[1,2],}',
      '{,"pixels":[1]}',
      '{"pixels":[01]}',
      '{"pixels":[1.]}',
      '{"pixels":[.5]}',
      '{"pixels":[-]}',
      '{"pixels":[1e]}',
      '{"pixels":[1e+]}',
      '{"pixels":[+1]}',
      '{"pixels":[1,,2]}',
      '{"pixels":[1,]}',
      '{"pixels":[,1]}',
      '{"pixels":[NaN]}',
      '{"pixels":[Infinity]}',
      '{"pixels":[0x10]}',
      '{"pixels":[1 2]}',
      '{"pixels":[null]}',
      '{"pixels":["1"]}',
      '{"pixels":[[1]]}',
      '{"pixels":[true]}',
      '{"pix\\u0065ls":[1]}',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
      '{"a":[{"constructor":1}]}',
      '{"id":tru}',
      '{"id":"unterminated}',
      '{"id":"a\tb"}',
      '{id:1}',
      "{'id':1}",
      '{"id" 1}',
      '{"id":1 "v":[1]}',
      '\ufeff{"id":1}',
    ];
    for (const text of declined) expect(parse(text), text).toBeUndefined();
  });

  it('never disagrees with JSON.parse on texts broken at random', () => {
    const rnd = random(7);
    const base =
      '{"id":"d1","digit":7,"pixels":[0,0,0.2,0.624,1,-0,1e-3,2.5E+2,0.30000000000000004],"meta":{"a":[1,"x"]},"s":"q\\"r"}';
    const alphabet = '{}[]",:.-+eE0123456789 \\tnul';
    let taken = 0;
    for (let i = 0; i < 5000; i++) {
      let text = base;
      for (let edits = 1 + Math.floor(rnd() * 3); edits > 0; edits--) {
        const at = Math.floor(rnd() * text.length);
        const op = rnd();
        const char = alphabet[Math.floor(rnd() * alphabet.length)];
        text =
          op < 0.4
            ? text.slice(0, at) + text.slice(at + 1)
            : op < 0.7
              ? text.slice(0, at) + char + text.slice(at)
              : text.slice(0, at) + char + text.slice(at + 1);
      }
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      if (!valid) expect(parse(text), text).toBeUndefined();
      else if (expectAgreement(text) !== undefined) taken++;
    }
    // Many edits leave valid JSON that it reads itself: the comparison above is not vacuous.
    expect(taken).toBeGreaterThan(100);
  });

  it('reads runs of bare zeros (read four bytes at a time) as JSON.parse does, whatever follows them', () => {
    const rnd = random(11);
    // Zeros next to every token that starts like one, and the separators that break a run.
    const tokens = [...Array<string>(20).fill('0'), '-0', '0.5', '0.0', '0e1', '1', '10', '00', '0,'];
    const separators = [',', ',', ',', ', ', ',\n', ' ,'];
    let taken = 0;
    let declined = 0;
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(rnd() * 40);
      let list = '';
      for (let k = 0; k < length; k++)
        list +=
          (k > 0 ? separators[Math.floor(rnd() * separators.length)] : '') + tokens[Math.floor(rnd() * tokens.length)];
      const text = `{"pixels":[${list}]}`;
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      if (!valid) {
        expect(parse(text), text).toBeUndefined();
        declined++;
      } else if (expectAgreement(text) !== undefined) taken++;
    }
    expect(taken).toBeGreaterThan(1000);
    expect(declined).toBeGreaterThan(300);
    // Runs of every length and parity, ending the list or the text, and longer than a slab (a run cut where the slab ends).
    for (const zeros of [1, 2, 3, 4, 5, 8, 9, 70_000, 150_001]) {
      for (const tail of ['', ',1', ',0.25', ', 0', ',-0']) {
        const text = `{"pixels":[${'0,'.repeat(zeros - 1)}0${tail}]}`;
        expect(expectAgreement(text), `${zeros} zeros then "${tail}"`).toBeDefined();
      }
    }
  });

  it('reads long strings (scanned eight bytes at a time) as JSON.parse does: an escape or a control character anywhere declines', () => {
    const rnd = random(5);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=é€';
    for (const length of [63, 64, 65, 71, 72, 73, 100, 1000, 4099]) {
      const base = Array.from({ length }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      expect(expectAgreement(`{"id":1,"pixels":"${base}","v":[1]}`)?.pixels, `${length} characters`).toBe(base);
      // A backslash escape or a raw control character at each position (each byte of a word, each word).
      for (const at of new Set(
        [0, 1, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, length - 2, length - 1].filter((k) => k >= 0 && k < length),
      )) {
        for (const insert of ['\\"', '\\n', '\\u0041', '\t', '\u0001', '\u001f', '\n']) {
          const text = `{"id":1,"pixels":"${base.slice(0, at)}${insert}${base.slice(at)}"}`;
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          if (valid) expectAgreement(text);
          else expect(parse(text), `${JSON.stringify(insert)} at ${at} of ${length}`).toBeUndefined();
        }
      }
    }
    // Bytes just above the control range and just around the backslash are plain.
    const edges = `${' !#[]^'.repeat(30)}\u007f`;
    expect(expectAgreement(JSON.stringify({ pixels: edges }))?.pixels).toBe(edges);
  });

  it('reads only its own bytes of a larger buffer', () => {
    const bytes = Buffer.from('xx{"pixels":[1,2]}\n{"pixels":[3,4\n]}\n');
    expect(new JsonVectorReader(VECTORS).parse(bytes, 2, 18)?.pixels).toEqual(new Float64Array([1, 2]));
    // The next line is cut short: the bytes after its end would complete it, and must not.
    const second = bytes.indexOf('{', 3);
    expect(new JsonVectorReader(VECTORS).parse(bytes, second, bytes.indexOf('\n', second))).toBeUndefined();
    expect(new JsonVectorReader(VECTORS).parse(bytes, second, bytes.length - 1)?.pixels).toEqual(
      new Float64Array([3, 4]),
    );
  });

  it('keeps every vector intact across many rows and vectors longer than its buffers', () => {
    const rnd = random(3);
    const rows = Array.from({ length: 400 }, (_, i) =>
      Array.from({ length: i === 200 ? 150_000 : 1 + Math.floor(rnd() * 900) }, () => Math.round(rnd() * 1000) / 1000),
    );
    const parsed = rows.map((row) => parse(JSON.stringify({ pixels: row }))?.pixels as Float64Array);
    parsed.forEach((vector, i) => expect(Array.from(vector), `row ${i}`).toEqual(rows[i]));
  });

  it('declines a long list of scalars outside the vector keys (JSON.parse reads it faster), not a long vector or list of rows', () => {
    const numbers = Array.from({ length: 5000 }, (_, i) => i / 8);
    expect(parse(JSON.stringify({ variables: { p: numbers } }))).toBeUndefined();
    expect(parse(JSON.stringify({ variables: { p: numbers.slice(0, 4096) } }))).toEqual({
      variables: { p: numbers.slice(0, 4096) },
    });
    expect(parse(JSON.stringify({ pixels: numbers }))?.pixels).toEqual(new Float64Array(numbers));
    const rows = numbers.map(() => ({}));
    expect(parse(JSON.stringify({ variables: { r: rows } }))).toEqual({ variables: { r: rows } });
  });

  it('sizes its slabs by the body being read: one huge vector does not make later bodies allocate its size', () => {
    // Bodies of one small vector each, moved to another thread as the body thread does: each body
    // then starts a slab. Sized by the longest vector ever read, each would be 8 MB after the first.
    const { port1 } = new MessageChannel();
    const reader = new JsonVectorReader(VECTORS);
    const read = (text: string) => reader.parse(Buffer.from(text))?.pixels as Float64Array;
    try {
      const huge = read(JSON.stringify({ pixels: Array.from({ length: 1_000_000 }, () => 0) }));
      expect(huge.length).toBe(1_000_000);
      port1.postMessage(null, [huge.buffer as ArrayBuffer]);
      const small = read('{"pixels":[1,2,3]}');
      expect(Array.from(small)).toEqual([1, 2, 3]);
      expect(small.buffer.byteLength).toBeLessThanOrEqual(8 * 2 ** 16);
    } finally {
      port1.close();
    }
  });

  it('goes on reading once the memory of its vectors has been moved to another thread', () => {
    const { port1 } = new MessageChannel();
    try {
      for (const text of ['{"v":[]}', '{"v":[1,2]}', '{"v":[0.5],"pixels":[]}']) {
        const first = parse(text);
        const buffers = new Set(
          Object.values(first ?? {}).map((vector) => (vector as Float64Array).buffer as ArrayBuffer),
        );
        port1.postMessage(null, [...buffers]);
        // Every vector read so far is now detached; the next ones must not be.
        expect(parse('{"pixels":[],"v":[3,4.5]}')).toStrictEqual({
          pixels: new Float64Array([]),
          v: new Float64Array([3, 4.5]),
        });
      }
    } finally {
      port1.close();
    }
  });

  it('reads the vectors of the object itself; nested objects are values, lists and all', () => {
    const text = JSON.stringify({ pixels: [0, 0.5, 1e-3, -0, 2.5e2], id: { pixels: [7], rows: [{ pixels: [1, 2] }] } });
    const fast = expectAgreement(text) as {
      pixels: unknown;
      id: { pixels: unknown; rows: Array<{ pixels: unknown }> };
    };
    expect(fast.pixels).toBeInstanceOf(Float64Array);
    expect(fast.id).toStrictEqual({ pixels: [7], rows: [{ pixels: [1, 2] }] });
    // At any depth on request (a GraphQL body): nested objects' keys too, inside lists as well.
    const bytes = Buffer.from(text);
    const deep = new JsonVectorReader(VECTORS, { atAnyDepth: true }).parse(bytes, 0, bytes.length) as typeof fast;
    expect(deep.id.pixels).toStrictEqual(new Float64Array([7]));
    expect(deep.id.rows[0].pixels).toStrictEqual(new Float64Array([1, 2]));
    // ... and back to own keys only on the next call.
    expect((expectAgreement(text) as typeof fast).id.rows[0].pixels).toStrictEqual([1, 2]);
    // Deeper than it reads itself: left to JSON.parse.
    expect(parse(`{"a":${'['.repeat(300)}${']'.repeat(300)}}`)).toBeUndefined();
    expect(expectAgreement(`{"a":${'['.repeat(100)}1${']'.repeat(100)}}`)).toBeDefined();
  });

  it('gives a vector key that holds no array its value as JSON.parse reads it (a compact column named like the list field)', () => {
    const base64 = Buffer.from(new Float32Array(784 * 4).map((_, k) => k / 3137).buffer).toString('base64');
    for (const value of [1, null, true, 's', 'é'.repeat(300), base64, { 0: 1 }, { pixels: [1, 2] }]) {
      const fast = expectAgreement(JSON.stringify({ pixels: value, v: [1] }));
      expect(fast, JSON.stringify(value).slice(0, 40)).toBeDefined();
      expect(fast?.v).toBeInstanceOf(Float64Array);
    }
    // A GraphQL body with the compact form: its variables are read, not declined.
    const body = Buffer.from(JSON.stringify({ query: '{ x }', variables: { columns: { pixels: base64 } } }));
    expect(new JsonVectorReader(VECTORS, { atAnyDepth: true }).parse(body, 0, body.length)).toStrictEqual(
      JSON.parse(body.toString()),
    );
  });

  it('leaves keys outside the set to JSON.parse', () => {
    expect(expectAgreement('{"pixels":[1,2]}')?.pixels).toBeInstanceOf(Float64Array);
    expect(parse('{"pixels":[1,2]}', new Set(['other']))?.pixels).toEqual([1, 2]);
  });
});

describe('JsonVectorReader with longNumberLists', () => {
  const reader = new JsonVectorReader(new Set(['pixels']), { atAnyDepth: true, longNumberLists: true });
  const long = Array.from({ length: 5000 }, (_, i) => i / 7 - 300);

  it('reads a long list of numbers under any key as a Float64Array, and short ones as arrays', () => {
    const text = JSON.stringify({ variables: { v: long, shape: [10, 500], nested: { w: long } } });
    const parsed = reader.parse(Buffer.from(text)) as { variables: Record<string, unknown> };
    const plain = JSON.parse(text) as { variables: Record<string, unknown> };
    expect(parsed.variables.v).toBeInstanceOf(Float64Array);
    expect(Array.from(parsed.variables.v as Float64Array)).toEqual(plain.variables.v);
    expect((parsed.variables.nested as { w: unknown }).w).toBeInstanceOf(Float64Array);
    expect(parsed.variables.shape).toEqual([10, 500]);
    expect(Array.isArray(parsed.variables.shape)).toBe(true);
  });

  it('leaves a long list that is not all numbers to JSON.parse, as without the option', () => {
    const text = JSON.stringify({ v: [...long, 'x'] });
    expect(reader.parse(Buffer.from(text))).toBeUndefined();
    expect(new JsonVectorReader(new Set(), { atAnyDepth: true }).parse(Buffer.from(JSON.stringify({ v: long })))).toBe(
      undefined,
    );
  });
});
