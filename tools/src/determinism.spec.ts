import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { irisRecipe } from './iris-recipe.js';
import { mnistRecipe } from './mnist-recipe.js';
import { writeModelFiles, type ModelFiles } from './model-files.js';
import { trainRecipe, type Recipe, type RecipeOverrides } from './recipe.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function trainInto(recipe: Recipe, overrides: RecipeOverrides): ModelFiles {
  const dir = mkdtempSync(join(tmpdir(), 'mserve-train-'));
  tempDirs.push(dir);
  return writeModelFiles(dir, recipe.name, trainRecipe(recipe, overrides));
}

function expectSameBytes(a: ModelFiles, b: ModelFiles): void {
  expect(readFileSync(a.onnx).equals(readFileSync(b.onnx))).toBe(true);
  expect(readFileSync(a.config).equals(readFileSync(b.config))).toBe(true);
}

describe('training is deterministic', () => {
  it('writes byte-identical iris files twice, identical to the committed ones', () => {
    const first = trainInto(irisRecipe, {});
    const second = trainInto(irisRecipe, {});
    expectSameBytes(first, second);
    expectSameBytes(first, {
      onnx: join(MODELS_DIR, 'iris', '1', 'model.onnx'),
      config: join(MODELS_DIR, 'iris', 'config.json'),
    });
  });

  it('writes byte-identical files for a reduced mnist run (augmentation included)', () => {
    const reduced: RecipeOverrides = { hiddenSizes: [16], epochs: 2, trainRows: 500 };
    expectSameBytes(trainInto(mnistRecipe, reduced), trainInto(mnistRecipe, reduced));
  });
});
