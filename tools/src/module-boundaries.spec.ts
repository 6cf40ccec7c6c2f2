import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Each `*.boundary-fixture.ts` is a deliberate violation of the dependency rule (eslint.config.mjs),
 * ignored by the normal lint, typecheck and project graph. Linting them here must fail with the
 * module-boundaries rule and nothing else: if the rule stops firing (a loosened constraint, a
 * missing tag, no project graph for the rule to read), this test fails.
 */
const FIXTURES: Array<{ file: string; why: string; message: RegExp }> = [
  {
    file: 'libs/inference/src/imports-an-app.boundary-fixture.ts',
    why: 'a lib imports an app',
    message: /^Circular dependency between "@mserve\/inference" and "@mserve\/api"/,
  },
  {
    file: 'libs/inference/src/imports-a-lib.boundary-fixture.ts',
    why: 'inference imports another lib',
    message: /^Circular dependency between "@mserve\/inference" and "@mserve\/schema"/,
  },
  {
    file: 'apps/api/src/imports-tools.boundary-fixture.ts',
    why: "an app's production code imports tools",
    message: /^A project tagged with "scope:app" can only depend on libs tagged with "scope:lib"$/,
  },
  {
    file: 'apps/score/src/imports-an-app.boundary-fixture.ts',
    why: 'an app imports another app',
    message: /^Imports of apps are forbidden$/,
  },
];

/** Nx's project graph, computed once for both suites below (it takes seconds). */
let graph: ReturnType<typeof createProjectGraphAsync> | undefined;
const projectGraph = () => (graph ??= createProjectGraphAsync({ exitOnError: false }));

describe('the module-boundaries rule', () => {
  let results: ESLint.LintResult[];

  beforeAll(async () => {
    // The rule reads Nx's cached project graph and silently skips itself without one.
    await projectGraph();
    const eslint = new ESLint({ cwd: ROOT, ignore: false });
    results = await eslint.lintFiles(FIXTURES.map((f) => f.file));
  }, 120_000);

  it.each(FIXTURES)('fails lint where $why ($file)', ({ file, message }) => {
    const result = results.find((r) => r.filePath.endsWith(file));
    expect(result, `${file} was not linted`).toBeDefined();
    const messages = result?.messages ?? [];
    expect(messages.map((m) => m.ruleId)).toEqual(['@nx/enforce-module-boundaries']);
    expect(messages[0].severity).toBe(2);
    expect(messages[0].message).toMatch(message);
  });
});

describe.each(['apps/api', 'apps/score', 'apps/web'])('the build of %s', (app) => {
  it('never compiles tools: no project reference from its app tsconfig reaches them', () => {
    const reached = projectReferences(join(ROOT, app, 'tsconfig.app.json'));
    // The web app talks to the API over HTTP only: it references no lib either.
    if (app !== 'apps/web') expect(reached).toContain(join(ROOT, 'libs/inference/tsconfig.lib.json'));
    expect(reached.filter((path) => path.startsWith(join(ROOT, 'tools')))).toEqual([]);
  });
});

describe('typecheck', () => {
  // Its outputs (declarations and the tsbuildinfo in dist/) are the builds' as well. Replayed from
  // Nx's cache they leave a tsbuildinfo telling `tsc -b` the JavaScript is built when dist/ holds
  // none of it, and `npm start` after `npm test` cannot find apps/api/dist/main.js.
  it('is never replayed from the cache, in any project', async () => {
    const projects = Object.values((await projectGraph()).nodes).filter((node) => node.data.targets?.typecheck);
    expect(projects.map((node) => node.name)).toContain('@mserve/api');
    const cached = projects.filter((node) => node.data.targets?.typecheck.cache !== false).map((node) => node.name);
    expect(cached).toEqual([]);
  }, 120_000);
});

/** Every tsconfig that `tsc -b <tsconfig>` would build, following references transitively. */
function projectReferences(tsconfig: string, seen = new Set<string>()): string[] {
  if (seen.has(tsconfig)) return [...seen];
  seen.add(tsconfig);
  const { config } = ts.readConfigFile(tsconfig, ts.sys.readFile);
  for (const ref of (config.references ?? []) as Array<{ path: string }>) {
    const target = resolve(dirname(tsconfig), ref.path);
    projectReferences(target.endsWith('.json') ? target : join(target, 'tsconfig.json'), seen);
  }
  return [...seen];
}
