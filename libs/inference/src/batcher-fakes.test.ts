/**
 * Fakes for the batcher's tests: a hand-driven clock and a model whose batches finish when a test
 * says so. (The `.test.ts` suffix keeps this file out of the library build; vitest runs `*.spec.ts`.)
 */
import type { BatcherOptions, Clock, Timers } from './batcher-options.js';
import { DynamicBatcher } from './batcher.js';
import { InferenceError } from './errors.js';

/** A hand-driven clock and timer queue: time moves only when a test calls `advance`. */
export class FakeTime implements Clock, Timers {
  private time = 0;
  private nextId = 1;
  private pending = new Map<number, { at: number; callback: () => void }>();

  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.pending.delete(handle as number);
  };

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }

  get timerCount(): number {
    return this.pending.size;
  }
}

export interface Row {
  id: number;
  shape?: string;
}

/** A model whose batches finish only when the test says so. Output of a row: `id * 10`. */
export class ManualModel {
  readonly batches: Array<{
    rows: Row[];
    finish: (outputs?: Array<number | Error>) => void;
    fail: (error: Error) => void;
  }> = [];

  execute = (rows: readonly Row[]): Promise<Array<number | Error>> =>
    new Promise((resolve, reject) => {
      this.batches.push({
        rows: [...rows],
        finish: (outputs) => resolve(outputs ?? rows.map((row) => row.id * 10)),
        fail: reject,
      });
    });

  get sizes(): number[] {
    return this.batches.map((batch) => batch.rows.length);
  }
}

/** Lets pending promise callbacks run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export function setup(overrides: Partial<BatcherOptions<Row, number>> = {}) {
  const time = new FakeTime();
  const model = new ManualModel();
  const batcher = new DynamicBatcher<Row, number>({
    model: 'test@1',
    maxBatchSize: 4,
    maxQueueDelayMicros: 0,
    maxQueueSize: 100,
    timeoutMs: 1000,
    instances: 1,
    execute: model.execute,
    shapeKey: (row) => row.shape ?? '',
    clock: time,
    timers: time,
    ...overrides,
  });
  return { time, model, batcher };
}

export const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));

export function codeOf(result: unknown): string {
  return result instanceof InferenceError ? result.code : 'ok';
}
