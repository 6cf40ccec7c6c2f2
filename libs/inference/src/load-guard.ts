import { stat } from 'node:fs/promises';

/** How long a model version may take to load and warm up before it is marked failed. */
export const DEFAULT_LOAD_TIMEOUT_MS = 120_000;

/**
 * Rejects unless `path` is a regular file. A FIFO or a device would block the session worker's
 * read for ever, and a thread stuck in a read cannot be stopped: the process could not exit.
 */
export async function assertRegularFile(path: string): Promise<void> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
}

/**
 * `load()`, or a rejection naming `what` once `timeoutMs` pass (a file on a hung mount, a session
 * that never starts). A load that finishes after the deadline is closed at once, so nothing it
 * holds outlives the failure.
 */
export function loadWithin<T extends { close(): Promise<void> }>(
  load: () => Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`${what} did not load within ${timeoutMs} ms (LOAD_TIMEOUT_MS)`));
    }, timeoutMs);
    timer.unref();
    load().then(
      (loaded) => {
        clearTimeout(timer);
        if (late) void loaded.close().catch(() => undefined);
        else resolve(loaded);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
