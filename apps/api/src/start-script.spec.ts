import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiNodeFlags } from '@mserve/tools/api-process';
import { startChildServer } from './e2e/harness.js';

const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_ROOT = join(API_DIR, '../..');

/** What the stand-in dist/main.js prints: the flags node took, its own arguments and its process id. */
interface Launched {
  execArgv: string[];
  argv: string[];
  pid: number;
}

/**
 * apps/api/start.sh, copied beside its node.options and a dist/main.js that prints what node was
 * given: the launcher's own contract, with no server in the way. The server's side (its `listening`
 * line) is the last test.
 */
describe('apps/api/start.sh', () => {
  let dir: string;
  const { API_NODE_FLAGS: _unset, ...baseEnv } = process.env;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-sh-'));
    for (const file of ['start.sh', 'node.options']) copyFileSync(join(API_DIR, file), join(dir, file));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(
      join(dir, 'dist/main.js'),
      'console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2), pid: process.pid }));',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const launch = (args: string[], env: NodeJS.ProcessEnv = {}): Launched =>
    JSON.parse(
      execFileSync('sh', [join(dir, 'start.sh'), ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8' }),
    ) as Launched;

  test("runs node with node.options' flags, the ones the tests and benchmarks read (apiNodeFlags)", () => {
    const { execArgv } = launch([]);
    expect(execArgv).toContain('--max-semi-space-size=64');
    expect(execArgv).toEqual(apiNodeFlags(REPO_ROOT, {}));
  });

  test('API_NODE_FLAGS replaces them, and empty leaves node its defaults', () => {
    expect(launch([], { API_NODE_FLAGS: '--stack-size=900  --max-old-space-size=300' }).execArgv).toEqual([
      '--stack-size=900',
      '--max-old-space-size=300',
    ]);
    expect(launch([], { API_NODE_FLAGS: '' }).execArgv).toEqual([]);
    expect(apiNodeFlags(REPO_ROOT, { API_NODE_FLAGS: '' })).toEqual([]);
  });

  test("passes the server's flags on word for word", () => {
    const args = ['--port', '8080', '--models', 'iris, mnist', '--cors-origins=*'];
    expect(launch(args).argv).toEqual(args);
  });

  test('execs node, so the process a supervisor signals is node itself', async () => {
    const child = spawn('sh', [join(dir, 'start.sh')], { env: baseEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    await once(child, 'exit');
    expect((JSON.parse(out) as Launched).pid).toBe(child.pid);
  });

  test("the API's listening line names the flags in effect", async () => {
    const server = await startChildServer({ MODELS: 'iris', PLAYGROUND: 'false' });
    try {
      const listening = server.logs.find((entry) => entry.msg === 'listening');
      expect(listening?.nodeFlags).toEqual(expect.arrayContaining(apiNodeFlags(REPO_ROOT, baseEnv)));
      expect(listening?.nodeFlags).toContain('--max-semi-space-size=64');
    } finally {
      server.process.kill('SIGKILL');
    }
  });
});
