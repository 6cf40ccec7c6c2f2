import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ModelRepository, type LoadedModel, type Logger, type ModelConfig } from '@mserve/inference';
import { UsageError } from './exit-codes.js';

/** What `openModel` needs to know. */
export interface ModelChoice {
  modelsDir: string;
  model: string;
  version?: number;
  /** onnxruntime intra-op threads per session; undefined: see `scoringThreads`. */
  threads?: number;
}

/**
 * Intra-op threads per session for offline scoring. The server's setting assumes an idle event
 * loop; here the main thread parses and formats rows the whole time, and sessions that claim every
 * core make it fight them for CPU (measured slower on 2 cores with 2 session threads than with 1).
 * So, unless `--threads` says otherwise, the model's threadsPerInstance is
 * capped to leave one core to the main thread.
 */
export function scoringThreads(
  config: ModelConfig,
  requested: number | undefined,
  cores = availableParallelism(),
): number {
  if (requested !== undefined) return requested;
  const free = Math.max(1, Math.floor((cores - 1) / config.instances));
  return Math.min(config.threadsPerInstance ?? free, free);
}

/**
 * Opens the repository with only the wanted model and waits for it to load. An unknown model or
 * version, or a model that fails to load, is a UsageError (exit 1) naming what is there.
 */
export async function openModel(
  choice: ModelChoice,
  logger: Logger,
): Promise<{ repository: ModelRepository; model: LoadedModel }> {
  let names: string[];
  try {
    names = (await readdir(choice.modelsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (error) {
    throw new UsageError(
      `cannot read the model repository ${choice.modelsDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; pass --models-dir`,
      false,
    );
  }
  if (!names.includes(choice.model)) {
    throw new UsageError(
      `unknown model "${choice.model}": ${choice.modelsDir} holds ${names.sort().join(', ') || 'no model'}`,
      false,
    );
  }
  const repository = await ModelRepository.open({
    root: choice.modelsDir,
    only: [choice.model],
    logger,
    overrides: (_name, config) => ({ ...config, threadsPerInstance: scoringThreads(config, choice.threads) }),
  });
  await repository.ready();
  try {
    return { repository, model: repository.get(choice.model, choice.version) };
  } catch (error) {
    await repository.close();
    throw new UsageError(error instanceof Error ? error.message : String(error), false);
  }
}
