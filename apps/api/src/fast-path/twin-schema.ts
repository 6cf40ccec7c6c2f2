import {
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  valueFromAST,
  visit,
  type DocumentNode,
  type GraphQLInputType,
  type NamedTypeNode,
  type NonNullTypeNode,
  type TypeNode,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { rewriteSchema } from './schema-rewrite.js';

const FLOAT_LIST = '_FastFloatList';
const INT_LIST = '_FastIntList';

/** Thrown by a twin scalar for any value it does not take as is; the caller then runs the stock schema. */
class NotFastPath extends Error {
  constructor() {
    super('not a plain list of numbers: coerce it the stock way');
  }
}

/**
 * A scalar standing for `[Float!]` or `[Int!]` in the execution twin. `parseValue` accepts exactly
 * the arrays that graphql-js would coerce to themselves (every element a finite number, or a 32-bit
 * integer for Int) in one loop, and returns the array as it is; anything else throws NotFastPath.
 * A Float64Array is taken as such an array: the fast path's body parser reads the lists of these
 * fields into Float64Arrays (see `fastListFieldNames`), and the contract codec takes them as lists.
 * Literals in the query are handed to graphql-js's own `valueFromAST` for the list type, so they
 * mean what they always did.
 */
function listScalar(item: typeof GraphQLFloat | typeof GraphQLInt): GraphQLScalarType {
  const list = new GraphQLList(new GraphQLNonNull(item));
  const isItem =
    item === GraphQLInt
      ? (x: unknown) => Number.isInteger(x) && (x as number) <= 2147483647 && (x as number) >= -2147483648
      : (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  return new GraphQLScalarType({
    name: item === GraphQLInt ? INT_LIST : FLOAT_LIST,
    description: `Execution-only stand-in for [${item.name}!]: checks the whole list in one loop.`,
    serialize: (value) => value,
    parseValue(value) {
      if (value instanceof Float64Array) {
        // Every double is a number: a Float list needs only finiteness (x - x is 0 for finite x,
        // NaN otherwise), checked inline; a raw tensor's values are millions of them.
        if (item === GraphQLInt) {
          for (let i = 0; i < value.length; i++) if (!isItem(value[i])) throw new NotFastPath();
        } else {
          for (let i = 0; i < value.length; i++) if (value[i] - value[i] !== 0) throw new NotFastPath();
        }
        return value;
      }
      if (!Array.isArray(value)) throw new NotFastPath();
      for (let i = 0; i < value.length; i++) if (!isItem(value[i])) throw new NotFastPath();
      return value;
    },
    parseLiteral(node: ValueNode, variables?: Record<string, unknown> | null) {
      const value = valueFromAST(node, list, variables ?? undefined);
      if (value === undefined) throw new NotFastPath();
      return value;
    },
  });
}

/** `[Float!]` / `[Int!]` (possibly non-null) → the twin scalar (keeping the outer non-null); else undefined. */
function fastType(
  type: GraphQLInputType,
  scalars: { Float: GraphQLScalarType; Int: GraphQLScalarType },
): GraphQLInputType | undefined {
  const nonNull = isNonNullType(type);
  const inner = nonNull ? type.ofType : type;
  if (!isListType(inner) || !isNonNullType(inner.ofType)) return undefined;
  const item = inner.ofType.ofType;
  const scalar = item === GraphQLFloat ? scalars.Float : item === GraphQLInt ? scalars.Int : undefined;
  if (!scalar) return undefined;
  return nonNull ? new GraphQLNonNull(scalar) : scalar;
}

/**
 * The execution twin of `schema`: the same types, fields and resolvers, except that every input
 * field of type `[Float!]` or `[Int!]` (mnist's `pixels`) takes a scalar that checks the whole list
 * in one loop. graphql-js coerces a list variable element by element (a path object, a call and a
 * type dispatch per number); the twin does the same checks in one loop over the list.
 *
 * The twin is for execution only. Clients, validation and introspection see `schema`, where the
 * field is still `[Float!]!`. Run an operation on the twin only if it does not introspect, and when
 * its variables fail to coerce on the twin (no `data` in the result), run it again on `schema`: the
 * error messages are then graphql-js's own, word for word. Valid variables give the same values on
 * both, so resolvers cannot tell which one ran.
 */
export function fastCoercionSchema(schema: GraphQLSchema): GraphQLSchema {
  const scalars = { Float: listScalar(GraphQLFloat), Int: listScalar(GraphQLInt) };
  return rewriteSchema(schema, { inputFieldType: (_type, _field, fieldType) => fastType(fieldType, scalars) });
}

/**
 * The names of the input fields the twin checks in one loop (`[Float!]`/`[Int!]`, mnist's `pixels`):
 * a JSON body parser may read the lists under these keys into Float64Arrays. A name that is such a
 * field in one input type and something else in another is still listed: a Float64Array there fails
 * the twin's coercion, and the operation runs again on the API schema (with the body parsed plainly,
 * see json-body.ts), as any bad variable does.
 */
export function fastListFieldNames(schema: GraphQLSchema): Set<string> {
  const probe = { Float: listScalar(GraphQLFloat), Int: listScalar(GraphQLInt) };
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInputObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) if (fastType(field.type, probe)) names.add(field.name);
  }
  return names;
}

/**
 * `document` with each variable declared `[Float!]` or `[Int!]` (non-null or not) declared as the
 * twin's list scalar instead, for execution on `twin` only: graphql-jit, like graphql-js, coerces a
 * list variable element by element (a top-level `$values: [Float!]` of a raw tensor holds up to
 * millions), the scalar checks it in one loop, and takes the Float64Array the body thread reads
 * such a list into. The document itself is left as it is; one without such variables comes back
 * unchanged.
 */
export function withFastListVariables(document: DocumentNode, twin: GraphQLSchema): DocumentNode {
  const scalars: Record<string, string | undefined> = {
    Float: twin.getType(FLOAT_LIST) ? FLOAT_LIST : undefined,
    Int: twin.getType(INT_LIST) ? INT_LIST : undefined,
  };
  return visit(document, {
    VariableDefinition(node) {
      const nonNull = node.type.kind === Kind.NON_NULL_TYPE;
      const list = nonNull ? (node.type as NonNullTypeNode).type : node.type;
      if (list.kind !== Kind.LIST_TYPE || list.type.kind !== Kind.NON_NULL_TYPE) return undefined;
      const item = list.type.type;
      const scalar = item.kind === Kind.NAMED_TYPE ? scalars[item.name.value] : undefined;
      if (!scalar) return undefined;
      const named: NamedTypeNode = { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: scalar } };
      const type: TypeNode = nonNull ? { kind: Kind.NON_NULL_TYPE, type: named } : named;
      return { ...node, type };
    },
  });
}
