import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilQueue } from '@mserve/inference/testing';
import { scratchModels, startServer, type TestServer } from './harness.js';
import { addVersion, SYN, waitFor } from './lifecycle-helpers.js';
import { rest } from './rest-client.js';

interface ModelsQuery {
  models: Array<{
    name: string;
    state: string;
    defaultVersion: number;
    versions: Array<{ version: number; state: string; reason: string | null }>;
  }>;
}

const INSTANCE = { a: 0.5, b: 0.25, c: 0.75, d: 1 };

describe('model lifecycle: what must not break serving', () => {
  let models: Awaited<ReturnType<typeof scratchModels>>;
  let api: TestServer;
  const versions = () => api.server.repository.list().find((e) => e.name === 'syn')?.versions ?? [];
  const servedVersion = async () =>
    Number(
      (
        await rest<{ model_version: string }>(`${api.url}/v2/models/syn/infer`, {
          json: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: Object.values(INSTANCE) }] },
          response: 'v2#inference_response',
        })
      ).body.model_version,
    );
  const modelsQuery = async () =>
    (await api.graphql('{ models { name state defaultVersion versions { version state reason } } }')).body
      .data as unknown as ModelsQuery;

  beforeAll(async () => {
    models = await scratchModels({ syn: { ...SYN, seed: 1 } });
    api = await startServer({ modelsDir: models.root, modelPollSeconds: 0.1, adminToken: 'sekret-token' });
  });
  afterAll(async () => {
    await api.close();
    await models.dispose();
  });

  test('a broken new version never replaces the working one: logged, shown in models and /readyz', async () => {
    const staging = await mkdtemp(join(tmpdir(), 'mserve-broken-'));
    await mkdir(join(staging, '2'));
    await writeFile(join(staging, '2', 'model.onnx'), 'not an onnx model');
    await rename(join(staging, '2'), join(models.root, 'syn', '2'));
    await waitFor('version 2 failed', () => versions().some((v) => v.version === 2 && v.state.phase === 'failed'));

    expect(await servedVersion()).toBe(1);
    const syn = (await modelsQuery()).models.find((m) => m.name === 'syn');
    expect(syn).toMatchObject({ state: 'READY', defaultVersion: 1 });
    expect(syn?.versions.map((v) => [v.version, v.state])).toEqual([
      [2, 'FAILED'],
      [1, 'READY'],
    ]);
    expect(syn?.versions[0].reason).toMatch(/\S/);
    const readyz = await fetch(`${api.url}/readyz`);
    expect(readyz.status).toBe(200);
    const body = (await readyz.json()) as {
      models: Array<{ name: string; versions: Array<{ version: number; state: string; reason?: string }> }>;
    };
    expect(body.models[0].versions[0]).toMatchObject({ version: 2, state: 'failed', reason: syn?.versions[0].reason });
    expect(
      api.logs.some((l) => l.msg === 'model failed to load' && l.model === 'syn' && l.version === 2 && l.level === 50),
    ).toBe(true);
    const pinned = await rest<{ error: string }>(`${api.url}/v2/models/syn/versions/2/infer`, {
      json: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] }] },
      response: 'v2#inference_response',
    });
    expect([pinned.status, pinned.body.error.split(':')[0]]).toEqual([503, 'MODEL_NOT_READY']);

    // Fixed in place (moved in whole again), it loads and takes over.
    await rm(join(models.root, 'syn', '2'), { recursive: true });
    await waitFor('the broken version dropped', () => !versions().some((v) => v.version === 2));
    await addVersion(models.root, 'syn', 2, 7);
    await waitFor('version 2 ready', () => versions().some((v) => v.version === 2 && v.state.phase === 'ready'));
    expect(await servedVersion()).toBe(2);
  });

  test('a removed version folder drains its queued rows, then unloads; a request naming it gets 404', async () => {
    // A heavy version 3 and one bulk request queued on it: its folder goes while the rows wait.
    await addVersion(models.root, 'syn', 3, 9, 1024);
    await waitFor('version 3 ready', () => versions().some((v) => v.version === 3 && v.state.phase === 'ready'));
    const bulk = rest<{ predictions: unknown[]; error?: string }>(`${api.url}/v1/models/syn/versions/3:predict`, {
      json: { instances: Array.from({ length: 4000 }, () => INSTANCE) },
      response: 'tf#predict_response',
    });
    const state = versions().find((v) => v.version === 3)?.state;
    if (state?.phase !== 'ready') throw new Error('version 3 is not ready');
    // On the batcher's own reports: the rows may wait for less than a polling interval.
    await untilQueue(state.model, 'rows queued on version 3', () => state.model.pendingRows > 0);
    await rm(join(models.root, 'syn', '3'), { recursive: true });
    await waitFor('version 3 unlisted', () => !versions().some((v) => v.version === 3));
    const answer = await bulk;
    expect([answer.status, answer.body.error]).toEqual([200, undefined]);
    expect(answer.body.predictions).toHaveLength(4000);
    // Logged once its sessions are disposed, which may come just after the drained answer.
    await waitFor('the unload logged', () =>
      api.logs.some((l) => l.msg === 'model version unloaded' && l.version === 3),
    );
    expect(await servedVersion()).toBe(2);
    const gone = await rest<{ error: string }>(`${api.url}/v1/models/syn/versions/3:predict`, {
      json: { instances: [INSTANCE] },
      response: 'tf#predict_response',
    });
    expect([gone.status, gone.body.error]).toEqual([
      404,
      'MODEL_NOT_FOUND: Model syn not found: it has no version 3; its versions are 2, 1',
    ]);
  });

  test('a changed config.json reloads the version; a broken one leaves it serving, with the reason shown', async () => {
    const path = join(models.root, 'syn', 'config.json');
    const config = JSON.parse(await readFile(path, 'utf8')) as { labels: string[] };
    await writeFile(path, JSON.stringify({ ...config, labels: ['north', 'south', 'east'] }));
    const label = async () =>
      (
        await rest<{ predictions: Array<{ label: string }> }>(`${api.url}/v1/models/syn:predict`, {
          json: { instances: [INSTANCE] },
          response: 'tf#predict_response',
        })
      ).body.predictions[0].label;
    await waitFor('the new labels served', async () => ['north', 'south', 'east'].includes(await label()));

    await writeFile(path, '{ "labels": [');
    await waitFor('the reload failure recorded', () => versions()[0]?.reloadFailure !== undefined);
    expect(['north', 'south', 'east']).toContain(await label());
    const readyz = (await (await fetch(`${api.url}/readyz`)).json()) as {
      status: string;
      models: Array<{ versions: Array<{ reloadFailure?: string }> }>;
    };
    expect(readyz.status).toBe('ready');
    expect(readyz.models[0].versions[0].reloadFailure).toMatch(/^config\.json: /);
    expect((await modelsQuery()).models[0].versions[0].reason).toMatch(
      /^reload failed, serving the loaded one: config\.json: /,
    );
    await writeFile(path, JSON.stringify(config));
    await waitFor('the old labels served again', async () => ['x', 'y', 'z'].includes(await label()));
  });

  test('a new model folder appears at once in models, infer and the REST protocols', async () => {
    const staging = await mkdtemp(join(tmpdir(), 'mserve-new-'));
    await cp(join(models.root, 'syn'), join(staging, 'fresh'), { recursive: true });
    await rename(join(staging, 'fresh'), join(models.root, 'fresh'));
    await waitFor('fresh ready', () =>
      api.server.repository.list().some((e) => e.name === 'fresh' && e.versions[0]?.state.phase === 'ready'),
    );
    expect((await modelsQuery()).models.map((m) => m.name)).toEqual(['fresh', 'syn']);
    const infer = await api.graphql(
      '{ infer(model: "fresh", inputs: [{ name: "features", shape: [1, 4], values: [1, 1, 1, 1] }]) { model version } }',
    );
    expect(infer.body.data?.infer).toEqual({ model: 'fresh', version: 2 });
    expect((await rest(`${api.url}/v2/models/fresh`, { response: 'v2#metadata_model_response' })).status).toBe(200);
    expect(
      (
        await rest(`${api.url}/v1/models/fresh:predict`, {
          json: { instances: [INSTANCE] },
          response: 'tf#predict_response',
        })
      ).status,
    ).toBe(200);
    await rm(join(models.root, 'fresh'), { recursive: true });
    await waitFor('fresh removed', () => !api.server.repository.list().some((e) => e.name === 'fresh'));
  });

  test('the model control API needs the bearer token: 401 without it or with a wrong one', async () => {
    const control = (path: string, token?: string, json: unknown = {}) =>
      rest(`${api.url}/v2/repository${path}`, {
        json,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        request: path === '/index' ? 'v2#repository_index_request' : undefined,
        response: path === '/index' ? 'v2#repository_index_response' : undefined,
      });
    for (const token of [undefined, 'wrong', 'sekret-token-and-more']) {
      const refused = await control('/index', token);
      expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
      expect((refused.body as { error: string }).error).toMatch(/^UNAUTHORIZED: /);
      expect((await control('/models/syn/unload', token)).status).toBe(401);
    }
    expect(versions().map((v) => v.state.phase)).toEqual(['ready', 'ready']);

    const index = await control('/index', 'sekret-token');
    expect(index.body).toEqual([
      { name: 'syn', version: '2', state: 'READY' },
      { name: 'syn', version: '1', state: 'READY' },
    ]);
    expect((await control('/models/syn/unload', 'sekret-token')).status).toBe(200);
    expect(api.server.repository.list().map((e) => e.name)).toEqual([]);
    expect((await rest(`${api.url}/v2/models/syn/ready`, { response: 'v2#model_ready_response' })).status).toBe(404);
    expect((await control('/models/syn/load', 'sekret-token')).status).toBe(200);
    expect(await servedVersion()).toBe(2);
    const meta = await rest<{ extensions: string[] }>(`${api.url}/v2`, { response: 'v2#metadata_server_response' });
    expect(meta.body.extensions).toContain('model_repository');
  });

  test('without ADMIN_TOKEN there is no model control API', async () => {
    const plain = await startServer({ modelsDir: models.root });
    try {
      const answer = await fetch(`${plain.url}/v2/repository/index`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sekret-token' },
        body: '{}',
      });
      expect(answer.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
