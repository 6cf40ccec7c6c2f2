/**
 * Generates the typed GraphQL surface of every model from its contract:
 * `libs/schema/src/generated/<model>.ts` (type-graphql input, prediction and resolver classes) and
 * `schema.graphql` at the repo root (the printed SDL of the whole schema), and
 * `schema.subgraph.graphql` (the SDL the API serves as a federation subgraph, `FEDERATION=true`:
 * the same queries plus the entities that contracts extend).
 *
 *   npm run codegen            write the files
 *   npm run codegen -- --check fail (exit 1) if the committed files differ from what would be written
 *
 * Each contract is checked against its model's ONNX signature first; a mismatch stops the run with
 * the model and field named, so a broken contract never reaches the schema.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelConfig, type ModelConfig } from '@mserve/inference';
import { Kind, parse, print } from 'graphql';
import { checkSignature } from '@mserve/inference/tensors';
import * as ort from 'onnxruntime-node';
import { generatedQueries, renderIndex, renderModel, typeNames } from './codegen-render.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GENERATED = join(ROOT, 'libs/schema/src/generated');
const SDL = join(ROOT, 'schema.graphql');
const SUBGRAPH_SDL = join(ROOT, 'schema.subgraph.graphql');

interface ModelSource {
  name: string;
  config: ModelConfig;
}

async function readModels(modelsDir: string): Promise<ModelSource[]> {
  const names = (await readdir(modelsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const models: ModelSource[] = [];
  for (const name of names) {
    const folder = join(modelsDir, name);
    const config = parseModelConfig(JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')));
    const versions = (await readdir(folder))
      .filter((v) => /^[1-9][0-9]*$/.test(v))
      .map(Number)
      .sort((a, b) => b - a);
    if (versions.length === 0) throw new Error(`models/${name}: no version folder holding model.onnx`);
    const session = await ort.InferenceSession.create(join(folder, String(versions[0]), 'model.onnx'));
    const describe = (meta: readonly ort.InferenceSession.ValueMetadata[]) =>
      meta.map((m) =>
        m.isTensor
          ? { name: m.name, type: m.type, shape: [...m.shape], isTensor: true }
          : { name: m.name, type: 'non-tensor', shape: [], isTensor: false },
      );
    try {
      checkSignature(config, { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) });
    } catch (error) {
      throw new Error(
        `models/${name}/config.json does not match models/${name}/${versions[0]}/model.onnx: ${(error as Error).message}`,
      );
    } finally {
      await session.release();
    }
    models.push({ name, config });
  }
  assertUniqueNames(models);
  return models;
}

/** type-graphql silently keeps the last of two classes with one GraphQL name: refuse instead. */
function assertUniqueNames(models: ModelSource[]): void {
  const reserved = [
    'Query',
    'ModelInfo',
    'ModelVersionInfo',
    'TensorInfo',
    'FieldInfo',
    'BatchingInfo',
    'ModelPhase',
    'ClassScore',
    'TensorInput',
    'TensorOutput',
    'InferResult',
  ];
  const seen = new Map<string, string>(reserved.map((n) => [n, 'the fixed schema']));
  const queries = new Map<string, string>(['models', 'model', 'infer'].map((n) => [n, 'the fixed schema']));
  for (const { name, config } of models) {
    const names = typeNames(name);
    for (const type of [names.input, names.columns, names.prediction, ...(config.entities ?? []).map((e) => e.type)]) {
      if (seen.has(type))
        throw new Error(
          `models/${name}: GraphQL type ${type} is also defined by ${seen.get(type)}; rename the model folder (or the entity in its config.json)`,
        );
      seen.set(type, `models/${name}`);
    }
    for (const query of generatedQueries(name, config)) {
      if (queries.has(query))
        throw new Error(
          `models/${name}: query ${query} is also defined by ${queries.get(query)}; rename the model folder`,
        );
      queries.set(query, `models/${name}`);
    }
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const modelsDir = join(ROOT, 'models');
  const models = await readModels(modelsDir);
  const files = new Map<string, string>();
  for (const { name, config } of models)
    files.set(join(GENERATED, `${typeNames(name).file}.ts`), renderModel(name, config));
  files.set(join(GENERATED, 'index.ts'), renderIndex(models));

  const stale: string[] = [];
  const existing = existsSync(GENERATED) ? (await readdir(GENERATED)).map((f) => join(GENERATED, f)) : [];
  for (const path of existing) if (!files.has(path)) stale.push(`${relative(ROOT, path)} (no model generates it)`);
  for (const [path, text] of files) {
    const current = existsSync(path) ? await readFile(path, 'utf8') : undefined;
    if (current === text) continue;
    if (check) stale.push(relative(ROOT, path));
    else {
      await mkdir(GENERATED, { recursive: true });
      await writeFile(path, text);
    }
  }
  if (check && stale.length > 0) {
    console.error(
      `Generated files are out of date: ${stale.join(', ')}\nRun \`npm run codegen\` and commit the result.`,
    );
    process.exit(1);
  }

  // The SDL comes from the schema the server really builds, from the generated classes just checked.
  const { printModelSchema, printSubgraphModelSchema } = await import('@mserve/schema');
  const subgraph = await printSubgraphModelSchema();
  for (const [path, sdl] of [
    [SDL, (await printModelSchema()) + entityExtensionComment(subgraph)],
    [SUBGRAPH_SDL, subgraph],
  ] as const) {
    const current = existsSync(path) ? await readFile(path, 'utf8') : undefined;
    if (current === sdl) continue;
    if (check) {
      console.error(`${relative(ROOT, path)} is out of date. Run \`npm run codegen\` and commit the result.`);
      process.exit(1);
    }
    await writeFile(path, sdl);
  }
  console.log(`${check ? 'checked' : 'generated'} ${models.length} models: ${models.map((m) => m.name).join(', ')}`);
}

/**
 * The entities that contracts extend, as `schema.graphql` shows them: in comments, since the plain
 * API does not serve them and client codegen would trip over the federation directives.
 */
function entityExtensionComment(subgraphSdl: string): string {
  const entities = parse(subgraphSdl).definitions.filter(
    (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.directives?.some((directive) => directive.name.value === 'key'),
  );
  if (entities.length === 0) return '';
  const lines = entities.flatMap((entity) => ['', ...print(entity).split('\n')]);
  const header = [
    '',
    '# With FEDERATION=true the API is a Federation 2 subgraph: the queries above, `_service` and',
    '# `_entities`, and these entities of other services extended with predictions (the whole',
    '# subgraph SDL is schema.subgraph.graphql):',
  ];
  return [...header, ...lines.map((line) => (line ? `#   ${line}` : '#'))].join('\n') + '\n';
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
