import {
  buildSchema,
  execute,
  getVariableValues,
  parse,
  print,
  printType,
  type GraphQLInputObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { fastCoercionSchema, withFastListVariables } from './twin-schema.js';

// A plain graphql-js schema: the twin works on any schema, not only the generated one.
const schema = buildSchema(`
  input Row { xs: [Float!]!, ids: [Int!], tags: [String!], maybe: [Float] }
  type Query { sum(row: Row!): Float, count(rows: [Row!]!): Int }
`);
const query = schema.getQueryType();
if (query) {
  const fields = query.getFields();
  fields.sum.resolve = (_source, args: { row: { xs: number[]; ids?: number[] | null } }) =>
    args.row.xs.reduce((a, b) => a + b, 0) + (args.row.ids ?? []).reduce((a, b) => a + b, 0);
  fields.count.resolve = (_source, args: { rows: unknown[] }) => args.rows.length;
}
const twin = fastCoercionSchema(schema);

const operation = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;
const coerce = (on: typeof schema, variables: Record<string, unknown>) =>
  getVariableValues(on, operation('query ($row: Row!) { sum(row: $row) }').variableDefinitions ?? [], variables);

describe('fastCoercionSchema', () => {
  test('replaces only non-null-item lists of Float and Int, and leaves the original schema alone', () => {
    expect(printType(twin.getType('Row') as GraphQLInputObjectType)).toBe(
      'input Row {\n  xs: _FastFloatList!\n  ids: _FastIntList\n  tags: [String!]\n  maybe: [Float]\n}',
    );
    expect(printType(schema.getType('Row') as GraphQLInputObjectType)).toBe(
      'input Row {\n  xs: [Float!]!\n  ids: [Int!]\n  tags: [String!]\n  maybe: [Float]\n}',
    );
  });

  test('coerces valid variables to exactly what graphql-js does', () => {
    const variables = { row: { xs: [0.5, 1, -2.25], ids: [1, -7, 2147483647], tags: ['a'], maybe: [null, 1] } };
    expect(coerce(twin, variables)).toEqual(coerce(schema, variables));
    expect(coerce(twin, { row: { xs: [], ids: null } })).toEqual(coerce(schema, { row: { xs: [], ids: null } }));
  });

  test.each([
    ['a string in a Float list', { xs: [1, '2'] }],
    ['NaN', { xs: [Number.NaN] }],
    ['Infinity', { xs: [Infinity] }],
    ['null in a non-null-item list', { xs: [1, null] }],
    ['a non-integer in an Int list', { xs: [1], ids: [1.5] }],
    ['an Int past 32 bits', { xs: [1], ids: [2 ** 31] }],
    ['a single value where graphql-js would make a list of one', { xs: 0.5 }],
  ])('hands back to the stock schema anything it does not take as is: %s', (_name, row) => {
    expect(coerce(twin, { row }).errors).toBeDefined();
  });

  test('the stock schema then decides: a single value is still a list of one', () => {
    expect(coerce(schema, { row: { xs: 0.5 } })).toEqual({ coerced: { row: { xs: [0.5] } } });
  });

  test('literals in the query mean what they always did', async () => {
    const document = parse(
      'query ($a: Float!) { sum(row: { xs: [1, 2.5, $a], ids: [3] }) count(rows: [{ xs: [] }, { xs: 1 }]) }',
    );
    const args = { document, variableValues: { a: 0.5 } };
    const [fast, stock] = await Promise.all([execute({ schema: twin, ...args }), execute({ schema, ...args })]);
    expect(fast).toEqual({ data: { sum: 7, count: 2 } });
    expect(fast).toEqual(stock);
  });
});

describe('withFastListVariables', () => {
  test('declares [Float!] and [Int!] variables as the twin scalars, and leaves every other type alone', () => {
    const document = parse(
      'query ($a: [Float!], $b: [Float!]!, $c: [Int!], $d: [Float], $e: Row!, $f: [[Float!]!]) { sum(row: $e) }',
    );
    const rewritten = print(withFastListVariables(document, twin));
    expect(rewritten).toContain('$a: _FastFloatList, $b: _FastFloatList!, $c: _FastIntList, $d: [Float], $e: Row!');
    expect(rewritten).toContain('$f: [[Float!]!]');
    expect(print(document)).toContain('$a: [Float!]');
  });

  test('the rewritten document runs on the twin with a Float64Array variable', async () => {
    const document = withFastListVariables(parse('query ($xs: [Float!]!) { sum(row: { xs: $xs }) }'), twin);
    const result = await execute({ schema: twin, document, variableValues: { xs: new Float64Array([1, 2, 3.5]) } });
    expect(result).toEqual({ data: { sum: 6.5 } });
    const bad = await execute({ schema: twin, document, variableValues: { xs: new Float64Array([1, Number.NaN]) } });
    expect(bad.data).toBeUndefined();
  });
});
