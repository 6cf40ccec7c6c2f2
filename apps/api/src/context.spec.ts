import { ClientGone } from './context.js';

describe('ClientGone', () => {
  test('calls each listener still attached once, on the first abort only', () => {
    const gone = new ClientGone();
    const calls: string[] = [];
    const kept = () => calls.push('kept');
    const removed = () => calls.push('removed');
    gone.addEventListener('abort', kept, { once: true });
    gone.addEventListener('abort', removed, { once: true });
    gone.removeEventListener('abort', removed);
    expect(gone.aborted).toBe(false);
    gone.abort();
    gone.abort();
    expect(gone.aborted).toBe(true);
    expect(calls).toEqual(['kept']);
    // Watching after the abort is never called: a submission checks `aborted` first, as with AbortSignal.
    gone.addEventListener('abort', () => calls.push('late'));
    gone.abort();
    expect(calls).toEqual(['kept']);
  });
});
