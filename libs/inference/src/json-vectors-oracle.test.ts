/**
 * The oracle of JsonVectorReader's tests: JSON.parse. Helpers that read a text both ways and
 * compare, and numbers spelled every way JSON allows. (The `.test.ts` suffix keeps this file out of
 * the library build; vitest runs `*.spec.ts`.)
 */
import { expect } from 'vitest';
import { JsonVectorReader } from './json-vectors.js';

/** The vector keys of most tests. */
export const VECTORS = new Set(['pixels', 'v']);

/** `text` read by a JsonVectorReader of `keys`; undefined when it declines. */
export function parse(text: string, keys: ReadonlySet<string> = VECTORS): Record<string, unknown> | undefined {
  const bytes = Buffer.from(text);
  return new JsonVectorReader(keys).parse(bytes, 0, bytes.length);
}

/** The fast value equals JSON.parse's: same keys in the same order, same doubles (-0 included), vectors as Float64Arrays of the list's numbers. */
export function expectSame(fast: unknown, reference: unknown, path: string): void {
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
export function expectAgreement(text: string): Record<string, unknown> | undefined {
  const fast = parse(text);
  if (fast !== undefined) expectSame(fast, JSON.parse(text), text.slice(0, 60));
  return fast;
}

/** Numbers spelled every way JSON allows: short decimals, shortest round-trip doubles, 17+ digits, exponents near and past the double range. */
export function numberSpellings(rnd: () => number, count: number): string[] {
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
