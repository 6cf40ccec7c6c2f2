import type { FastifyReply, FastifyRequest } from 'fastify';
import { loopSlices } from './loop-slices.js';

/** Holds the thread for `ms`, as executing an operation does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Calls the hook for `count` requests in one turn, as a burst read from many sockets is; each handler is busy for `handlerMs`. */
function burst(
  hook: ReturnType<typeof loopSlices>,
  count: number,
  handlerMs: number,
): Promise<{ order: number[]; timerAfter: number }> {
  const order: number[] = [];
  let timerAfter = -1;
  setTimeout(() => (timerAfter = order.length), 0);
  return new Promise((resolve) => {
    for (let i = 0; i < count; i++) {
      const done = () => {
        busy(handlerMs);
        order.push(i);
        if (order.length === count) setTimeout(() => resolve({ order, timerAfter }), 5);
      };
      (hook as unknown as (request: FastifyRequest, reply: FastifyReply, done: () => void) => void)(
        {} as FastifyRequest,
        {} as FastifyReply,
        done,
      );
    }
  });
}

describe('loopSlices', () => {
  test('runs a burst in arrival order, letting a timer run once a slice has lasted its length', async () => {
    const { order, timerAfter } = await burst(loopSlices(4), 12, 1);
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // A 4 ms slice holds about four 1 ms handlers (fewer when the thread is preempted): the timer
    // waits for the first slice, not for the whole burst.
    expect(timerAfter).toBeGreaterThanOrEqual(1);
    expect(timerAfter).toBeLessThanOrEqual(8);
  });

  test('never puts off a request while the loop is not busy', async () => {
    const hook = loopSlices(50);
    for (let i = 0; i < 3; i++) {
      const { timerAfter } = await burst(hook, 3, 0);
      expect(timerAfter).toBe(3);
    }
  });
});
