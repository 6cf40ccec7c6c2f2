import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postGraphQL, startChildServer, type ChildServer } from './harness.js';

const RECORDER = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));
const FAST_PATH_MODULES = /\/fast-path\/|\/graphql-jit\//;
/** Generous: the child compiles the sources through tsx with a resolve hook on every module, on a shared machine. */
const START_MS = 120_000;

/** The modules a child server resolved while it started and answered one query, with FAST_PATH as given. */
async function modulesLoaded(fastPath: boolean): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mserve-imports-'));
  const file = join(dir, 'imports.txt');
  try {
    const child = await startChildServer(
      {
        FAST_PATH: String(fastPath),
        MODELS: 'iris',
        PLAYGROUND: 'false',
        NODE_OPTIONS: `--import=${RECORDER}`,
        RECORD_IMPORTS_TO: file,
      },
      START_MS,
    );
    try {
      await settled(child);
      const answer = await postGraphQL(
        child.url,
        JSON.stringify({
          query: '{ iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label } }',
        }),
      );
      expect(answer.body).toEqual({ data: { iris: { label: 'setosa' } } });
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves once the child logs that its model repository settled (checked on each chunk of its output). */
function settled(child: ChildServer): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!child.logs.some((entry) => entry.msg === 'model repository settled')) return;
      child.process.stdout?.off('data', check);
      resolve();
    };
    child.process.stdout?.on('data', check);
    check();
  });
}

describe('the fast path switch', () => {
  test(
    'off, nothing of the fast path (its folder, graphql-jit) is loaded; on, both are',
    async () => {
      const [off, on] = await Promise.all([modulesLoaded(false), modulesLoaded(true)]);
      expect(off.length).toBeGreaterThan(100);
      expect(off.filter((url) => FAST_PATH_MODULES.test(url))).toEqual([]);
      expect(on.some((url) => url.includes('/fast-path/index.'))).toBe(true);
      expect(on.some((url) => url.includes('/graphql-jit/'))).toBe(true);
    },
    2 * START_MS + 30_000,
  );
});
