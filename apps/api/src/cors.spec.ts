import { loadConfig } from './config.js';
import { parseCorsOrigins } from './cors.js';

describe('CORS_ORIGINS', () => {
  test('*, off and a comma list of origins', () => {
    expect(parseCorsOrigins('*')).toEqual({ kind: 'any' });
    expect(parseCorsOrigins('OFF')).toEqual({ kind: 'off' });
    expect(parseCorsOrigins(' http://localhost:5173 ,https://app.example.com')).toEqual({
      kind: 'listed',
      origins: ['http://localhost:5173', 'https://app.example.com'],
    });
  });

  test('anything that is not an origin is refused at start, naming the setting', () => {
    expect(() => loadConfig([], { CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(
      'CORS_ORIGINS must be *, off or a comma list of origins such as https://app.example.com (scheme, host and port only), got "https://app.example.com/path"',
    );
    expect(() => loadConfig(['--cors-origins', 'localhost:5173'], {})).toThrow(
      /^--cors-origins must be \*, off or a comma list of origins .* got "localhost:5173"$/,
    );
    expect(() => parseCorsOrigins(',')).toThrow(/got ","/);
  });
});
