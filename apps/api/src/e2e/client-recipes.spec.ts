import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as apollo3 from './client-recipes/apollo-client-3.js';
import * as apollo4 from './client-recipes/apollo-client-4.js';
import * as plainFetch from './client-recipes/fetch.js';
import * as graphqlRequest from './client-recipes/graphql-request.js';
import type { Outcome } from './client-recipes/outcome.js';
import * as urql from './client-recipes/urql.js';
import { startServer, type TestServer } from './harness.js';

const EXAMPLES = fileURLToPath(new URL('./client-recipes/', import.meta.url));
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

const good = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
const IRIS = 'query Iris($input: IrisInput!) { iris(input: $input) { label } }';
const PARTIAL =
  'query Two($a: IrisInput!, $b: IrisInput!) { a: iris(input: $a) { label } b: iris(input: $b) { label } }';

type Send = (url: string, query: string, variables?: Record<string, unknown>) => Promise<Outcome>;

/** Apollo's cache adds `__typename` to every object; the other clients return the body as it is. */
const withoutTypename = (outcome: Outcome): Outcome => ({
  ...outcome,
  data:
    JSON.parse(JSON.stringify(outcome.data ?? null), (key, value) => (key === '__typename' ? undefined : value)) ??
    outcome.data,
});

/** Each recipe as the README shows it, behind one signature. */
const recipes: Record<string, Send> = {
  'Apollo Client 3': async (url, q, v) => withoutTypename(await apollo3.send(apollo3.createClient(url), q, v)),
  'Apollo Client 4': async (url, q, v) => withoutTypename(await apollo4.send(apollo4.createClient(url), q, v)),
  'urql (POST)': (url, q, v) => urql.send(urql.createClient(url), q, v),
  'urql (GET with the preflight header)': (url, q, v) => urql.send(urql.createClient(url, { get: true }), q, v),
  'graphql-request': (url, q, v) => graphqlRequest.send(graphqlRequest.createClient(url), q, v),
  fetch: (url, q, v) => plainFetch.send(url, q, v),
};

describe('client recipes against a live server', () => {
  let api: TestServer;
  let url: string;
  beforeAll(async () => {
    api = await startServer({ models: ['iris'] });
    url = `${api.url}/graphql`;
  });
  afterAll(() => api.close());

  test.each(Object.keys(recipes))('%s: a prediction', async (name) => {
    expect(await recipes[name](url, IRIS, { input: good })).toEqual({
      data: { iris: { label: 'setosa' } },
      errors: [],
    });
  });

  test.each(Object.keys(recipes))('%s: a partial failure gives the data and the error with its code', async (name) => {
    const outcome = await recipes[name](url, PARTIAL, { a: good, b: { ...good, petalWidth: 99 } });
    expect(outcome.data).toEqual({ a: { label: 'setosa' }, b: null });
    expect(outcome.errors).toEqual([
      { message: 'Invalid input at item 0, field petalWidth: must be ≤ 30, got 99', code: 'BAD_USER_INPUT' },
    ]);
  });

  test.each(Object.keys(recipes))('%s: every field failing still gives data (all null) and the code', async (name) => {
    const outcome = await recipes[name](url, IRIS, { input: { ...good, sepalLength: -1 } });
    expect(outcome.data).toEqual({ iris: null });
    expect(outcome.errors.map((e) => e.code)).toEqual(['BAD_USER_INPUT']);
  });

  test.each(Object.keys(recipes))('%s: a request error (HTTP 400, no data) gives its code', async (name) => {
    const outcome = await recipes[name](url, IRIS, { input: { sepalLength: 5 } });
    expect(outcome.data ?? undefined).toBeUndefined();
    expect(outcome.errors.length).toBeGreaterThan(0);
    expect(outcome.errors.map((e) => e.code)).toEqual(outcome.errors.map(() => 'BAD_USER_INPUT'));
    expect(outcome.errors[0].message).toMatch(
      /^Variable "\$input" got invalid value .*; Field "(sepalWidth|petalLength|petalWidth)" of required type "Float!" was not provided\.$/,
    );
  });

  test.each(Object.keys(recipes))('%s: a validation error gives GRAPHQL_VALIDATION_FAILED', async (name) => {
    const outcome = await recipes[name](url, '{ iris { nope } }');
    expect(outcome.data ?? undefined).toBeUndefined();
    expect(outcome.errors.map((e) => e.code)).toContain('GRAPHQL_VALIDATION_FAILED');
  });
});

test('the README shows every recipe file as it is', async () => {
  const readme = await readFile(README, 'utf8');
  const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.ts')).sort();
  expect(files).toEqual([
    'apollo-client-3.ts',
    'apollo-client-4.ts',
    'fetch.ts',
    'graphql-request.ts',
    'outcome.ts',
    'urql.ts',
  ]);
  for (const file of files) {
    // Apollo Client 3 is installed here under an npm alias beside version 4; an app imports it by its name.
    const source = (await readFile(`${EXAMPLES}${file}`, 'utf8')).replaceAll("'apollo-client-3/", "'@apollo/client/");
    expect(readme, file).toContain(`\`\`\`ts\n// apps/api/src/e2e/client-recipes/${file}\n${source}\`\`\``);
  }
});
