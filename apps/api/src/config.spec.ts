import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const CONFIG_SOURCE = readFileSync(fileURLToPath(new URL('./config.ts', import.meta.url)), 'utf8');

describe('loadConfig', () => {
  test('defaults need no setup', () => {
    const config = loadConfig([], {});
    expect(config).toMatchObject({ port: 4000, host: '0.0.0.0', introspection: true, playground: true, models: [] });
    expect(config.modelsDir).toMatch(/models$/);
  });

  test('a flag wins over its env var', () => {
    expect(loadConfig(['--port', '8080'], { PORT: '9090' }).port).toBe(8080);
    expect(loadConfig([], { PORT: '9090', MODELS: 'iris, mnist', PLAYGROUND: 'off' })).toMatchObject({
      port: 9090,
      models: ['iris', 'mnist'],
      playground: false,
    });
  });

  test('a bad value is refused with the setting named', () => {
    expect(() => loadConfig([], { PORT: 'eighty' })).toThrow('PORT must be an integer ≥ 0, got "eighty"');
    expect(() => loadConfig(['--introspection', 'maybe'], {})).toThrow(
      '--introspection must be true or false, got "maybe"',
    );
    expect(() => loadConfig(['--prot', '1'], {})).toThrow(/prot/);
    expect(() => loadConfig([], { EXECUTION_PROVIDERS: 'cuda,gpu' })).toThrow(
      'EXECUTION_PROVIDERS must be a comma-separated list of cpu, cuda, webgpu, tensorrt, got "cuda,gpu"',
    );
    expect(loadConfig([], { EXECUTION_PROVIDERS: 'cuda, cpu', SHUTDOWN_DELAY_MS: '3000' })).toMatchObject({
      executionProviders: ['cuda', 'cpu'],
      shutdownDelayMs: 3000,
    });
  });

  test('the README documents every env var and flag', () => {
    const settings = [...CONFIG_SOURCE.matchAll(/env: '([A-Z_]+)', flag: '([a-z-]+)'/g)];
    expect(settings.length).toBeGreaterThan(15);
    for (const [, env, flag] of settings) {
      expect(README).toContain(`| \`${env}\` | \`--${flag}\` |`);
    }
  });
});
