import type { preHandlerHookHandler } from 'fastify';

/**
 * A preHandler for /graphql that keeps a burst of requests from holding the event loop in one
 * stretch. Why: clients answered together send again together, so one loop turn could parse and
 * execute dozens of operations while timers, probes and metrics scrapes waited behind them; with
 * slices the event-loop delay's tail halves at the same throughput (lab notes:
 * `git show 8efe387:docs/benchmarks.md`).
 *
 * The first request of a turn opens a slice; once a slice has lasted `sliceMs`, each further
 * request's handler is put off with setImmediate to a later turn, in arrival order, and the slice
 * ends when that turn begins. Timers and I/O run between slices. Nothing is skipped or reordered,
 * and a request is only put off while others are being executed, so it adds no idle wait.
 */
export function loopSlices(sliceMs: number): preHandlerHookHandler {
  let sliceStarted = -1;
  const endSlice = () => {
    sliceStarted = -1;
  };
  const admit = (done: () => void) => {
    const now = performance.now();
    if (sliceStarted < 0) {
      sliceStarted = now;
      // Runs before any handler put off in this turn: the first of those opens the next slice.
      setImmediate(endSlice);
    } else if (now - sliceStarted >= sliceMs) {
      setImmediate(admit, done);
      return;
    }
    done();
  };
  return (_request, _reply, done) => admit(done);
}
