import { describe, expect, it } from 'vitest';
import { JsonVectorReader } from './json-vectors.js';
import { expectAgreement, numberSpellings, parse, VECTORS } from './json-vectors-oracle.test.js';
import { seededRandom } from './seeded-random.test.js';

describe('JsonVectorReader', () => {
  it('reads every spelling of a number as the double JSON.parse gives', () => {
    const spellings = numberSpellings(seededRandom(1), 2000);
    const fast = expectAgreement(`{"v":[${spellings.join(',')}]}`);
    expect(fast?.v).toBeInstanceOf(Float64Array);
    expect((fast?.v as Float64Array).length).toBe(spellings.length);
  });

  it('reads 16 to 19 digits as JSON.parse does, numbers a hair from a midpoint between two doubles included', () => {
    const rnd = seededRandom(11);
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
    const rnd = seededRandom(7);
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
