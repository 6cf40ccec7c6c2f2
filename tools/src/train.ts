/**
 * Trains the default models and writes them into the model repository:
 *
 *   npm run train -- [iris|mnist|all] [--out models]
 *
 * Runs are deterministic: the same command reproduces the committed files byte for byte.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EpochProgress } from './fit.js';
import { irisRecipe } from './iris-recipe.js';
import { mnistRecipe } from './mnist-recipe.js';
import { writeModelFiles } from './model-files.js';
import { trainRecipe, type Recipe } from './recipe.js';

const RECIPES: Record<string, Recipe> = { iris: irisRecipe, mnist: mnistRecipe };
/** Iris runs 100 tiny epochs: print every 10th to keep the log readable. */
const LOG_EVERY: Record<string, number> = { iris: 10, mnist: 1 };

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string', default: 'models' }, help: { type: 'boolean', short: 'h' } },
  });
  const target = positionals[0] ?? 'all';
  if (values.help || positionals.length > 1 || (target !== 'all' && !(target in RECIPES))) {
    console.error('usage: train [iris|mnist|all] [--out <dir>]');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const names = target === 'all' ? Object.keys(RECIPES) : [target];
  for (const name of names) trainOne(RECIPES[name], values.out);
}

function trainOne(recipe: Recipe, outDir: string): void {
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  console.log(`[${recipe.name}] training…`);
  const logEvery = LOG_EVERY[recipe.name] ?? 1;
  const onEpoch = (p: EpochProgress): void => {
    if (p.epoch % logEvery !== 0 && p.epoch !== p.epochs) return;
    console.log(
      `[${recipe.name}] epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}  ` +
        `train acc ${p.trainAccuracy.toFixed(4)}  lr ${p.learningRate.toPrecision(3)}  ${elapsed()}`,
    );
  };
  const model = trainRecipe(recipe, {}, onEpoch);
  const files = writeModelFiles(outDir, recipe.name, model);
  console.log(
    `[${recipe.name}] held-out accuracy ${model.heldOutAccuracy.toFixed(4)} on ${model.testSize} rows, ` +
      `${elapsed()} in all`,
  );
  console.log(`[${recipe.name}] wrote ${files.onnx} (${statSync(files.onnx).size} bytes) and ${files.config}`);
}

main();
