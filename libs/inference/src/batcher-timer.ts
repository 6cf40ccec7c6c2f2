import type { Clock, Timers } from './batcher-options.js';

/**
 * One timer that fires at the earliest of the times it was armed for: arming a later time while an
 * earlier one is pending changes nothing. For the batcher's deadline and queue-delay timers.
 */
export class EarliestTimer {
  private pending: { handle: unknown; at: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly fire: () => void,
  ) {}

  /** Makes the timer fire at `at` (clock ms) unless it is already due at or before then. */
  arm(at: number): void {
    if (this.pending && this.pending.at <= at) return;
    this.clear();
    const handle = this.timers.setTimeout(
      () => {
        this.pending = undefined;
        this.fire();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.pending = { handle, at };
  }

  clear(): void {
    if (this.pending) this.timers.clearTimeout(this.pending.handle);
    this.pending = undefined;
  }
}
