import { describe, expect, it } from 'vitest';
import { JsonVectorReader } from './json-vectors.js';
import { expectAgreement, parse, VECTORS } from './json-vectors-oracle.test.js';
import { seededRandom } from './seeded-random.test.js';

/** How JsonVectorReader reads in bulk and keeps its memory: word-at-a-time scans, slabs, transferred buffers. */
describe('JsonVectorReader', () => {
  it('reads runs of bare zeros (read four bytes at a time) as JSON.parse does, whatever follows them', () => {
    const rnd = seededRandom(11);
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
    const rnd = seededRandom(5);
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
    const rnd = seededRandom(3);
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
});
