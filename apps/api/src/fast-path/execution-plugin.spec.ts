import 'reflect-metadata';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { GraphQLError, buildSchema, type GraphQLFieldResolver } from 'graphql';
import { formatError } from '../errors.js';
import { fastExecutionPlugin } from './execution-plugin.js';
import { VectorBodies } from './json-body.js';
import { fastCoercionSchema } from './twin-schema.js';

/** A schema with a `[Float!]!` input field, as the generated ones have, and resolvers that show what they got. */
function makeSchema(seen: unknown[]) {
  const schema = buildSchema(`
    input Item { pixels: [Float!]! }
    type Query { first(item: Item!): Float, fail: Float, teapot: Float, both(item: Item!): Float }
  `);
  const query = schema.getQueryType();
  if (!query) throw new Error('the schema has a Query type');
  const fields = query.getFields();
  const first: GraphQLFieldResolver<unknown, unknown, { item: { pixels: number[] } }> = (_source, { item }) => {
    seen.push(item.pixels);
    return item.pixels[0];
  };
  fields.first.resolve = first;
  fields.both.resolve = first;
  fields.fail.resolve = () => {
    throw new Error('a secret that must not leak');
  };
  fields.teapot.resolve = () => {
    throw new GraphQLError('short and stout', {
      extensions: { code: 'TEAPOT', http: { status: 418, headers: new Map([['x-tea', 'earl grey']]) } },
    });
  };
  return schema;
}

/** The same server with and without the plugin; each answer also shows the errors plugins saw. */
async function servers() {
  const seen: unknown[] = [];
  const schema = makeSchema(seen);
  const errorsSeen: unknown[] = [];
  const probe: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ errors }) {
          errorsSeen.push(errors?.map((error) => error.message));
        },
      };
    },
  };
  const make = (plugins: Array<ApolloServerPlugin<BaseContext>>) =>
    new ApolloServer({ schema, formatError, includeStacktraceInErrorResponses: false, plugins: [probe, ...plugins] });
  const fast = make([fastExecutionPlugin(fastCoercionSchema(schema), formatError, new VectorBodies())]);
  const stock = make([]);
  await Promise.all([fast.start(), stock.start()]);
  const run = async (server: ApolloServer, query: string, variables?: Record<string, unknown>) => {
    errorsSeen.length = 0;
    const response = await server.executeOperation({ query, variables });
    return {
      status: response.http.status,
      teaHeader: response.http.headers.get('x-tea'),
      body: response.body,
      errors: [...errorsSeen],
    };
  };
  return {
    seen,
    fast: (query: string, variables?: Record<string, unknown>) => run(fast, query, variables),
    stock: (query: string, variables?: Record<string, unknown>) => run(stock, query, variables),
    stop: () => Promise.all([fast.stop(), stock.stop()]),
  };
}

describe('fastExecutionPlugin', () => {
  let s: Awaited<ReturnType<typeof servers>>;
  beforeAll(async () => {
    s = await servers();
  });
  afterAll(() => s.stop());

  test('runs an operation on the twin: the list reaches the resolver as given, not copied element by element', async () => {
    const pixels = [0.5, 1, 2];
    const query = 'query ($item: Item!) { first(item: $item) }';
    expect((await s.fast(query, { item: { pixels } })).body).toEqual((await s.stock(query, { item: { pixels } })).body);
    // The twin checks the list and passes it on; graphql-js's coercion builds a new array.
    expect(s.seen[0]).toBe(pixels);
    expect(s.seen[1]).not.toBe(pixels);
    expect(s.seen[1]).toEqual(pixels);
  });

  test.each([
    ['a bad element', { item: { pixels: [1, 'x'] } }],
    ['a missing field', { item: {} }],
    ['no variables at all', undefined],
  ])('leaves %s to Apollo: the same error and status as without it', async (_name, variables) => {
    const query = 'query ($item: Item!) { first(item: $item) }';
    const fast = await s.fast(query, variables);
    expect(fast).toEqual(await s.stock(query, variables));
    expect(fast.status).toBe(400);
  });

  test('formats resolver errors as Apollo does: codes, masking, extensions.http, and the errors plugins see', async () => {
    const query = 'query ($item: Item!) { both(item: $item) fail teapot }';
    const variables = { item: { pixels: [3] } };
    const fast = await s.fast(query, variables);
    expect(fast).toEqual(await s.stock(query, variables));
    expect(fast.status).toBe(418);
    expect(fast.teaHeader).toBe('earl grey');
    expect(JSON.stringify(fast.body)).not.toContain('secret');
    expect(fast.errors).toEqual([['a secret that must not leak', 'short and stout']]);
  });

  test('leaves introspection to Apollo, on the API schema: pixels is still [Float!]!', async () => {
    const query =
      '{ __type(name: "Item") { inputFields { name type { kind ofType { kind ofType { kind ofType { name } } } } } } }';
    const fast = await s.fast(query);
    expect(fast).toEqual(await s.stock(query));
    expect(JSON.stringify(fast.body)).toContain('"kind":"LIST"');
  });
});
