import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseModelConfig, type TensorSignature } from '@mserve/inference';
import { checkSignature } from '@mserve/inference/tensors';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { loadIrisSplit, loadMnistSplit, type DatasetSplit } from './datasets.js';
import { irisRecipe } from './iris-recipe.js';
import { argmax } from './mlp.js';
import { mnistRecipe } from './mnist-recipe.js';
import type { Recipe } from './recipe.js';

// The files in the repository, as the server loads them: these tests fail when someone commits a
// model or config that no longer matches its recipe's contract or accuracy.
const MODELS_DIR = new URL('../../models/', import.meta.url);

const cases: Array<{ recipe: Recipe; split: () => DatasetSplit; minAccuracy: number; width: number }> = [
  { recipe: irisRecipe, split: loadIrisSplit, minAccuracy: 0.93, width: 4 },
  { recipe: mnistRecipe, split: loadMnistSplit, minAccuracy: 0.94, width: 784 },
];

describe.each(cases)('committed $recipe.name model', ({ recipe, split, minAccuracy, width }) => {
  const modelPath = fileURLToPath(new URL(`${recipe.name}/1/model.onnx`, MODELS_DIR));
  const configPath = fileURLToPath(new URL(`${recipe.name}/config.json`, MODELS_DIR));
  const classes = recipe.config.labels?.length ?? 0;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session.release();
  });

  it('declares float32 [batch, inputs] → [batch, classes] with a symbolic batch axis', () => {
    expect(session.inputNames).toEqual([recipe.inputName]);
    expect(session.outputNames).toEqual(['probabilities']);
    expect(session.inputMetadata).toEqual([
      { name: recipe.inputName, isTensor: true, type: 'float32', shape: ['batch', width] },
    ]);
    expect(session.outputMetadata).toEqual([
      { name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', classes] },
    ]);
  });

  it('has a config.json that is the recipe’s, passes the contract parser and fits the session', () => {
    const text = readFileSync(configPath, 'utf8');
    expect(text).toBe(`${JSON.stringify(recipe.config, null, 2)}\n`);
    const config = parseModelConfig(JSON.parse(text));
    const signatureOf = (list: readonly ort.InferenceSession.ValueMetadata[]): TensorSignature[] =>
      list.map((value) =>
        value.isTensor
          ? { name: value.name, type: value.type, shape: [...value.shape], isTensor: true }
          : { name: value.name, type: '', shape: [], isTensor: false },
      );
    expect(() =>
      checkSignature(config, {
        inputs: signatureOf(session.inputMetadata),
        outputs: signatureOf(session.outputMetadata),
      }),
    ).not.toThrow();
  });

  it(`classifies the held-out split with accuracy ≥ ${minAccuracy}, as its metadata records`, async () => {
    const { test } = split();
    const feeds = { [recipe.inputName]: new ort.Tensor('float32', test.x, [test.count, test.width]) };
    const { probabilities } = await session.run(feeds);
    const scores = probabilities.data as Float32Array;
    expect(probabilities.dims).toEqual([test.count, classes]);
    const correct = test.y.filter((label, row) => argmax(scores, row * classes, classes) === label).length;
    const accuracy = correct / test.count;
    expect(accuracy).toBeGreaterThanOrEqual(minAccuracy);

    const metadata = readMetadata(modelPath);
    expect(metadata.producerName).toBe('mserve-tools');
    expect(metadata.props.testSize).toBe(String(test.count));
    expect(Number(metadata.props.heldOutAccuracy)).toBeCloseTo(accuracy, 3);
  });
});

/** onnxruntime has no JS API for metadata_props, so read them from the protobuf. */
function readMetadata(modelPath: string): { producerName: string; props: Record<string, string> } {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(modelPath));
  return {
    producerName: model.producerName,
    props: Object.fromEntries(model.metadataProps.map(({ key, value }) => [key ?? '', value ?? ''])),
  };
}
