import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelRepository } from './model-repository.js';

const IRIS = fileURLToPath(new URL('../../../models/iris', import.meta.url));

describe('RepositoryWatcher (one pass at a time, no timers)', () => {
  let root: string;
  let repository: ModelRepository;
  let watcher: ReturnType<ModelRepository['watch']>;
  const states = () =>
    repository.list().map((e) => `${e.name}: ${e.versions.map((v) => `${v.version} ${v.state.phase}`).join(', ')}`);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'watched-'));
    await cp(IRIS, join(root, 'iris'), { recursive: true });
    repository = await ModelRepository.open({ root });
    await repository.ready();
    // A poll interval no test waits for: each test runs its pass itself.
    watcher = repository.watch({ intervalMs: 3_600_000 });
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await repository.close();
    await rm(root, { recursive: true, force: true });
  });

  test('a pass over an unchanged folder changes nothing', async () => {
    await watcher.sync();
    expect(states()).toEqual(['iris: 1 ready']);
  });

  test('a new version folder is loaded and becomes the default', async () => {
    await cp(join(root, 'iris', '1'), join(root, 'iris', '2'), { recursive: true });
    await watcher.sync();
    expect(states()).toEqual(['iris: 2 ready, 1 ready']);
    expect(repository.get('iris').version).toBe(2);
  });

  test('a broken newer version is kept apart: failed, not the default, not blocking readiness', async () => {
    await mkdir(join(root, 'iris', '3'));
    await writeFile(join(root, 'iris', '3', 'model.onnx'), 'garbage');
    await watcher.sync();
    expect(states()).toEqual(['iris: 3 failed, 2 ready, 1 ready']);
    expect(repository.get('iris').version).toBe(2);
    expect(repository.allReady).toBe(true);
    expect(() => repository.get('iris', 3)).toThrow(/^Model iris@3 is failed: /);
  });

  test('a removed version folder is unloaded; the next newest ready serves', async () => {
    await rm(join(root, 'iris', '2'), { recursive: true });
    await watcher.sync();
    expect(states()).toEqual(['iris: 3 failed, 1 ready']);
    expect(repository.get('iris').version).toBe(1);
  });

  test('a broken config.json leaves the loaded version serving, with the reason', async () => {
    const config = join(root, 'iris', 'config.json');
    await cp(config, `${config}.good`);
    await writeFile(config, '{');
    await watcher.sync();
    const v1 = repository.list()[0].versions.find((v) => v.version === 1);
    expect(v1?.state.phase).toBe('ready');
    expect(v1?.reloadFailure).toMatch(/^config\.json: /);
    await cp(`${config}.good`, config);
    await rm(`${config}.good`);
    await watcher.sync();
    expect(repository.list()[0].versions.find((v) => v.version === 1)?.reloadFailure).toBeUndefined();
  });

  test('model folders that appear and go away become models and stop being ones', async () => {
    await cp(join(root, 'iris'), join(root, 'other'), { recursive: true });
    await rm(join(root, 'other', '3'), { recursive: true });
    await watcher.sync();
    expect(states()).toEqual(['iris: 3 failed, 1 ready', 'other: 1 ready']);
    await rm(join(root, 'other'), { recursive: true });
    await watcher.sync();
    expect(states()).toEqual(['iris: 3 failed, 1 ready']);
  });

  test('unload holds a model out of the polls until load', async () => {
    await watcher.unload('iris');
    await watcher.sync();
    expect(states()).toEqual([]);
    await watcher.load('iris');
    expect(states()).toEqual(['iris: 3 failed, 1 ready']);
  });
});
