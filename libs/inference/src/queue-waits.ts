import { watchQueue, type LoadedModel } from './loaded-model.js';

/**
 * Resolves once `condition` holds, checking it now and after each change of `model`'s queue (rows
 * queued, dispatched, expired or cancelled): a test waits on the batcher's own reports instead of
 * polling a timer. `condition` may be async (a metric read over HTTP); a change that comes while it
 * runs is not lost. Rejects naming `what` if it still does not hold after `timeoutMs`.
 * For tests only (published through `@mserve/inference/testing`).
 */
export async function untilQueue(
  model: LoadedModel,
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  let changes = 0;
  let wake: () => void = () => undefined;
  const unsubscribe = watchQueue(model, () => {
    changes++;
    wake();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what} (${model.pendingRows} rows queued)`)),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const seen = changes;
      if (await Promise.race([Promise.resolve(condition()), timedOut])) return;
      if (changes === seen) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), timedOut]);
    }
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}
