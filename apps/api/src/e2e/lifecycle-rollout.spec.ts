import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inferRows, scratchModels, startServer, type TestServer } from './harness.js';
import { addVersion, SYN, waitFor } from './lifecycle-helpers.js';
import { rest } from './rest-client.js';

interface Answer {
  ok: boolean;
  version?: number;
  values?: number[];
  error?: string;
}

const CLIENTS = 32;
const ROW = [0.5, 0.25, 0.75, 1];

describe('model rollout without a restart (MODEL_POLL_SECONDS)', () => {
  let models: Awaited<ReturnType<typeof scratchModels>>;
  let api: TestServer;
  beforeAll(async () => {
    models = await scratchModels({ syn: { ...SYN, seed: 1 } });
    api = await startServer({ modelsDir: models.root, modelPollSeconds: 0.1 });
  });
  afterAll(async () => {
    await api.close();
    await models.dispose();
  });

  /** One single-row request naming no version, over GraphQL or KServe v2 by turns. */
  const ask = async (i: number): Promise<Answer> => {
    try {
      if (i % 2 === 0) {
        const { query, variables } = inferRows('syn', 1);
        (variables.inputs as Array<Record<string, unknown>>)[0].base64 = Buffer.from(
          new Float32Array(ROW).buffer,
        ).toString('base64');
        const answer = await api.graphql(
          query.replace('{ model version }', '{ version outputs { values } }'),
          variables,
        );
        const infer = answer.body.data?.infer as { version: number; outputs: Array<{ values: number[] }> } | undefined;
        if (answer.status !== 200 || !infer) return { ok: false, error: JSON.stringify(answer.body.errors) };
        return { ok: true, version: infer.version, values: infer.outputs[0].values };
      }
      const answer = await rest<{ model_version: string; outputs: Array<{ data: number[] }>; error?: string }>(
        `${api.url}/v2/models/syn/infer`,
        {
          json: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: ROW }] },
          request: 'v2#inference_request',
          response: 'v2#inference_response',
        },
      );
      if (answer.status !== 200) return { ok: false, error: answer.body.error };
      return { ok: true, version: Number(answer.body.model_version), values: answer.body.outputs[0].data };
    } catch (error) {
      return { ok: false, error: String(error) };
    }
  };

  test('32 clients: a new version takes over once warmed, the old one drains when removed, nothing fails', async () => {
    const answers: Answer[] = [];
    let running = true;
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; running; i += CLIENTS) answers.push(await ask(i));
    });
    const last = (n: number) => answers.slice(-n);

    await waitFor('answers from version 1', () => answers.length >= 200);
    await addVersion(models.root, 'syn', 2, 7);
    await waitFor(
      'every client answered by version 2',
      () => answers.some((a) => a.version === 2) && last(4 * CLIENTS).every((a) => a.version === 2),
    );
    await rm(join(models.root, 'syn', '1'), { recursive: true });
    await waitFor('version 1 unloaded', () => !api.server.repository.list()[0].versions.some((v) => v.version === 1));
    const afterRemoval = answers.length;
    await waitFor('more answers after the removal', () => answers.length >= afterRemoval + 200);
    running = false;
    await Promise.all(clients);

    const failed = answers.filter((a) => !a.ok);
    expect(failed.slice(0, 3)).toEqual([]);
    const byVersion = (v: number) => answers.filter((a) => a.version === v);
    expect(byVersion(1).length).toBeGreaterThan(0);
    expect(byVersion(2).length).toBeGreaterThan(0);
    // The switch is visible: the two versions' weights answer the same row differently.
    expect(byVersion(1)[0].values).not.toEqual(byVersion(2)[0].values);
    expect(answers.slice(afterRemoval).every((a) => a.version === 2)).toBe(true);
    const firstOfTwo = answers.findIndex((a) => a.version === 2);
    expect(answers.slice(firstOfTwo + 4 * CLIENTS).every((a) => a.version === 2)).toBe(true);

    const meta = await rest<{ versions: string[] }>(`${api.url}/v2/models/syn`, {
      response: 'v2#metadata_model_response',
    });
    expect(meta.body.versions).toEqual(['2']);
    const gone = await api.graphql(
      '{ infer(model: "syn", version: 1, inputs: [{ name: "features", shape: [1, 4], values: [1, 1, 1, 1] }]) { version } }',
    );
    expect(gone.body.errors?.[0].extensions?.code).toBe('MODEL_NOT_FOUND');
    await waitFor('the unload logged', () =>
      api.logs.some((l) => l.msg === 'model version unloaded' && l.model === 'syn' && l.version === 1),
    );
    expect(await api.metric('inference_requests_total', { model: 'syn', version: '1', outcome: 'ok' })).toBeGreaterThan(
      0,
    );
    expect(await api.metric('inference_requests_total', { model: 'syn', outcome: 'SHUTTING_DOWN' })).toBe(0);
  });
});
