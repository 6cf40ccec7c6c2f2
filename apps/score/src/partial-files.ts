import { rmSync } from 'node:fs';

/**
 * The `.partial` files of the running process. Kept here, outside the async run, so that an exit
 * forced by a signal or by the parent's death can delete them synchronously, whatever the run is
 * awaiting at that moment.
 */
const open = new Set<string>();

/** Records `path` as a partial file to delete if the process stops before publishing it. */
export function trackPartial(path: string): void {
  open.add(path);
}

/** Forgets `path` (it was published or deleted). */
export function untrackPartial(path: string): void {
  open.delete(path);
}

/** Deletes every tracked partial file now; never throws. */
export function removePartialsSync(): void {
  for (const path of open) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Nothing left to do for a file that cannot be deleted while the process exits.
    }
    open.delete(path);
  }
}
