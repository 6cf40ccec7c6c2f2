import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scratchModels, startChildServer, type ChildServer } from './harness.js';

/**
 * Start-up on the real process: a model file that cannot be read to its end (a FIFO) fails that
 * model at once instead of loading for ever, and SIGTERM still exits; a port in use exits 1.
 */
describe('hardening: models that cannot load', () => {
  let models: Awaited<ReturnType<typeof scratchModels>>;
  let child: ChildServer | undefined;

  beforeAll(async () => {
    models = await scratchModels({}, ['iris', 'mnist']);
    const path = join(models.root, 'mnist', '1', 'model.onnx');
    await rm(path);
    execFileSync('mkfifo', [path]);
  });
  afterAll(async () => {
    child?.process.kill('SIGKILL');
    await models?.dispose();
  });

  test('a FIFO model file fails its model with a reason, the other serves, and SIGTERM exits 0', async () => {
    child = await startChildServer({ MODELS_DIR: models.root, LOAD_TIMEOUT_MS: '20000', SHUTDOWN_GRACE_MS: '2000' });
    let body: { models: Array<{ name: string; versions: Array<{ state: string; reason?: string }> }> } | undefined;
    for (let i = 0; i < 200; i++) {
      body = (await (await fetch(`${child.url}/readyz`)).json()) as typeof body;
      if (body?.models.every((m) => m.versions[0].state !== 'loading')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const mnist = body?.models.find((m) => m.name === 'mnist')?.versions[0];
    expect(mnist?.state).toBe('failed');
    expect(mnist?.reason).toContain('mnist/1/model.onnx is not a regular file');
    expect(body?.models.find((m) => m.name === 'iris')?.versions[0].state).toBe('ready');

    child.process.kill('SIGTERM');
    const exited = await Promise.race([
      child.exited,
      new Promise((resolve) => setTimeout(resolve, 15_000, 'still running')),
    ]);
    expect(exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('hardening: a failed listen', () => {
  test('a port in use exits 1 with one clear line, after closing the sessions (never an abort)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      for (let attempt = 0; attempt < 1; attempt++) {
        const failure = await startChildServer({ PORT: String(port), MODELS: 'iris,mnist' }).then(
          (child) => {
            child.process.kill('SIGKILL');
            return 'listened';
          },
          (error: Error) => error.message,
        );
        expect(failure).toMatch(/exited with code 1 before listening/);
        expect(failure).toContain('EADDRINUSE');
        expect(failure).not.toMatch(/Napi|abort/i);
      }
    } finally {
      taken.close();
    }
  }, 90_000);
});
