/**
 * The disk side of the model repository: finding model and version folders, reading a contract,
 * and loading one version into a LoadedModel (or the reason it failed). ModelRepository keeps the
 * entries and decides which version serves.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publicReason } from './failure-reason.js';
import { assertRegularFile, DEFAULT_LOAD_TIMEOUT_MS, loadWithin } from './load-guard.js';
import { LoadedModel } from './loaded-model.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import type { ModelEntry, ModelState, RepositoryOptions } from './model-repository.js';
import { noMetrics, silentLogger } from './observability.js';

/**
 * One entry per wanted model (`only`, or every folder under `root`): its versions newest first, in
 * state `loading`, or one failed version 1 saying what is missing (the folder, or any version folder).
 */
export async function scanRepository(root: string, only: readonly string[] | undefined): Promise<ModelEntry[]> {
  const entries: ModelEntry[] = [];
  const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const wanted = only ?? names;
  for (const name of wanted) {
    const entry: ModelEntry = { name, config: undefined, versions: [] };
    entries.push(entry);
    if (!names.includes(name)) {
      entry.versions.push({
        version: 1,
        state: { phase: 'failed', reason: `no folder ${name} in the model repository` },
      });
      continue;
    }
    const folder = join(root, name);
    const versions = (await readdir(folder, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && /^[1-9][0-9]*$/.test(d.name))
      .map((d) => Number(d.name))
      .sort((a, b) => b - a);
    if (versions.length === 0) {
      entry.versions.push({
        version: 1,
        state: { phase: 'failed', reason: `no version folder (e.g. ${name}/1) holding model.onnx` },
      });
      continue;
    }
    entry.versions = versions.map((version) => ({ version, state: { phase: 'loading' } }));
  }
  return entries;
}

/** A model's config.json, parsed, with the repository's overrides applied. Throws on a bad contract. */
export async function readModelConfig(
  options: Pick<RepositoryOptions, 'root' | 'overrides'>,
  name: string,
): Promise<ModelConfig> {
  const parsed = parseModelConfig(JSON.parse(await readFile(join(options.root, name, 'config.json'), 'utf8')));
  return options.overrides ? options.overrides(name, parsed) : parsed;
}

/** Loads one version of `name` with its contract `config`; its state, ready or failed with a reason. Never rejects. */
export async function loadVersion(
  options: RepositoryOptions,
  name: string,
  version: number,
  config: ModelConfig,
): Promise<ModelState> {
  const { logger = silentLogger } = options;
  const modelPath = join(options.root, name, String(version), 'model.onnx');
  const started = performance.now();
  try {
    const load = async () => {
      await assertRegularFile(modelPath);
      return LoadedModel.load({
        name,
        version,
        modelPath,
        config,
        logger,
        metrics: options.metrics ?? noMetrics,
        clock: options.clock,
        timers: options.timers,
      });
    };
    const model = await loadWithin(
      load,
      options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      `${name}/${version}/model.onnx`,
    );
    const { provider } = model.executionProvider;
    logger.info({ model: name, version, provider, loadMs: Math.round(performance.now() - started) }, 'model ready');
    return { phase: 'ready', model };
  } catch (error) {
    const reason = loadFailureReason(error, modelPath);
    logger.error(
      { model: name, version, reason, detail: error instanceof Error ? error.message : String(error) },
      'model failed to load',
    );
    return { phase: 'failed', reason: publicReason(reason, options.root) };
  }
}

/** A one-line reason a person can act on, without onnxruntime's stack noise. */
function loadFailureReason(error: unknown, modelPath: string): string {
  if (typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT')
    return `missing ${modelPath}`;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ConfigError') return `contract mismatch: ${message}`;
  return message.split('\n')[0];
}
