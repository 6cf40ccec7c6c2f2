import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticModel } from '@mserve/tools/synthetic-model';

/** The synthetic model's settings in the lifecycle tests: cheap rows, a queue that never fills. */
export const SYN = {
  hidden: 64,
  batching: { maxBatchSize: 64, maxQueueDelayMicros: 0, maxQueueSize: 10_000, timeoutMs: 10_000 },
};

/**
 * Moves a new version `version` of the synthetic model `name` into `root`, with weights from `seed`
 * (so its answers differ) and `hidden` units (its cost), as a deployment would: written aside, then renamed into place whole.
 */
export async function addVersion(
  root: string,
  name: string,
  version: number,
  seed: number,
  hidden = SYN.hidden,
): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'mserve-staging-'));
  writeSyntheticModel(staging, name, { ...SYN, hidden, seed });
  await rename(join(staging, name, '1'), join(root, name, String(version)));
  await rm(staging, { recursive: true, force: true });
}

/** Resolves once `condition` holds, checking every 25 ms; rejects after `ms` naming `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
