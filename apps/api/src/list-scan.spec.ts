import { MAX_DEPTH, findLongList, type ListBounds } from './list-scan.js';

const bounds: ListBounds = { objects: 3, elements: 5, strings: 4 };
const scan = (text: string, limits = bounds) => findLongList(Buffer.from(text), limits);

describe('findLongList', () => {
  test('lists and objects within their bounds pass, right up to the bound', () => {
    expect(scan('{"variables":{"r":[{},{},{}],"v":[1,2,3,4,5]}}')).toBeUndefined();
    expect(scan('{"a":1,"b":2,"c":3}')).toBeUndefined();
    expect(scan('[]')).toBeUndefined();
  });

  test('a list with more objects than rows allow is named by its path', () => {
    expect(scan('{"query":"q","variables":{"r":[{},{},{},{}]}}')).toEqual({
      path: 'variables.r',
      limit: 3,
      kind: 'objects',
    });
  });

  test('a list with more elements than any tensor is named, with the index of each list above it', () => {
    expect(scan('{"variables":{"r":[{"p":[1]},{"p":[1,2,3,4,5,6]}]}}')).toEqual({
      path: 'variables.r[1].p',
      limit: 5,
      kind: 'elements',
    });
    expect(scan('{"v":[1,2,3,4,5,6]}', { objects: 100, elements: 5, strings: 100 })?.path).toBe('v');
  });

  test('an object with more keys than a list may hold objects is refused', () => {
    expect(scan('{"variables":{"a":1,"b":2,"c":3,"d":4}}')).toEqual({ path: 'variables', limit: 3, kind: 'keys' });
  });

  test('brackets, braces, commas and escaped quotes inside strings are not structure', () => {
    expect(scan('{"q":"[{},{},{},{},{}] \\" ,,,,,,", "v":["a,b,c,d,e,f,g", "\\\\"]}')).toBeUndefined();
    expect(scan(`{"q":"${'x'.repeat(100)}\\"${'[,'.repeat(50)}"}`)).toBeUndefined();
    expect(scan('{"k\\"ey":[1,2,3,4,5,6]}')?.path).toBe('k\\"ey');
  });

  test('a list of more strings than any string tensor holds, and a body nested past MAX_DEPTH, are refused', () => {
    expect(scan('{"s":["a","b","c","d","e"]}', { objects: 3, elements: 100, strings: 4 })).toEqual({
      path: 's',
      limit: 4,
      kind: 'strings',
    });
    const deep = scan(`{"a":${'['.repeat(MAX_DEPTH + 10)}${']'.repeat(MAX_DEPTH + 10)}}`);
    expect(deep?.kind).toBe('depth');
    expect(deep?.path.length).toBeLessThanOrEqual(201);
    expect(scan(`{"a":${'['.repeat(MAX_DEPTH - 2)}${']'.repeat(MAX_DEPTH - 2)}}`)).toBeUndefined();
  });

  test('a body that is not JSON gets no answer or one the parser after it overrides, never a throw', () => {
    for (const text of ['{"a":[1,2', '"unterminated', ']]]}}}', '[[[[', '']) expect(() => scan(text)).not.toThrow();
  });
});
