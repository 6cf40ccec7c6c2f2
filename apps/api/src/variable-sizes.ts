import type { ModelRepository } from '@mserve/inference';
import {
  Kind,
  TypeInfo,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  visit,
  visitWithTypeInfo,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { ListBounds } from './list-scan.js';
import { apiGraphQLError } from './errors.js';

/** Where a value sits: the input object type and field holding it, or an argument (no type). */
interface Location {
  parent: string | undefined;
  field: string;
}

/** The bounds of one request's variables, from the contracts of the models served. */
interface Bounds {
  maxRows: number;
  /** Longest vector each contract field name allows (`pixels` → 784). */
  vectorLength: Map<string, number>;
  /** Longest list any contract allows: a raw tensor of maxRows rows of the widest input. */
  longestList: number;
  /** Longest model or input tensor name. */
  longestName: number;
  /** Elements of the widest string input tensor, or 1 when none is. */
  widestStrings: number;
}

/** The raw-tensor input type of `infer`: its lists are tensors of up to maxRows rows. */
const TENSOR_INPUT = 'TensorInput';
const MAX_TENSOR_RANK = 16;
/** Fields and arguments that name a model or a tensor; longer than any such name, they name nothing. */
const NAME_FIELDS = new Set(['model', 'name']);

/**
 * Checks the sizes of an operation's variables before any per-element work (graphql-js coerces a
 * list element by element, before a resolver could look at its length): lists of input objects
 * (rows) longer than MAX_ROWS_PER_REQUEST, vectors longer than any contract's, tensors whose shape
 * or length exceeds the row limit, and names longer than any model's are refused as a whole (413,
 * or 400 for a name). Costs one step per list and per object, never one per list element.
 * Returns the error to throw, or undefined.
 */
export function checkVariableSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  repository: ModelRepository,
  maxRows: number,
): GraphQLError | undefined {
  if (!variables || !operation.variableDefinitions?.length) return undefined;
  const bounds = boundsOf(repository, maxRows);
  let locations = locationsOf.get(operation);
  if (locations === undefined) locationsOf.set(operation, (locations = variableLocations(schema, document, operation)));
  const { where, literalRows } = locations;
  const state = { rows: 0 };
  // A literal shape beside a variable's values (`shape: [750000, 4], values: $v`): refused before
  // the values are coerced.
  for (const { rows, argument } of literalRows) {
    state.rows += rows;
    if (state.rows > bounds.maxRows)
      return apiGraphQLError('SHAPE_TOO_LARGE', { argument, rows, limit: bounds.maxRows });
  }
  for (const { name, type, at } of where) {
    if (!(name in variables)) continue;
    const error = check(variables[name], type, at, `$${name}`, bounds, state);
    if (error) return error;
  }
  return undefined;
}

/**
 * Each operation's variable locations: Apollo keeps a parsed document (and so its operation nodes)
 * per query text, so a document is walked once, not once a request.
 */
const locationsOf = new WeakMap<OperationDefinitionNode, ReturnType<typeof variableLocations>>();

/**
 * Every use of each variable in the operation and its fragments: its type there, and the input
 * field or argument that holds it. A variable is checked against each, so the tightest bound holds.
 * Also the rows of each literal TensorInput's literal `shape`.
 */
function variableLocations(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): {
  where: Array<{ name: string; type: GraphQLInputType; at: Location }>;
  literalRows: Array<{ rows: number; argument: string }>;
} {
  const found: Array<{ name: string; type: GraphQLInputType; at: Location }> = [];
  const literalRows: Array<{ rows: number; argument: string }> = [];
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    ObjectValue(node) {
      const type = typeInfo.getInputType();
      if (!type || getNamedType(type).name !== TENSOR_INPUT) return;
      const shape = node.fields.find((field) => field.name.value === 'shape')?.value;
      const rows = shape?.kind === Kind.LIST && shape.values[0]?.kind === Kind.INT ? Number(shape.values[0].value) : 0;
      if (rows > 0) literalRows.push({ rows, argument: typeInfo.getArgument()?.name ?? '' });
    },
    Variable(node, _key, parent) {
      const type = typeInfo.getInputType();
      if (!type || !parent) return;
      const holder = (Array.isArray(parent) ? {} : parent) as { kind?: string; name?: { value: string } };
      if (holder.kind === 'VariableDefinition') return;
      const parentType = holder.kind === 'ObjectField' ? typeInfo.getParentInputType() : undefined;
      // An element of a list literal takes the list's bound (no field).
      const field = holder.kind === 'ObjectField' || holder.kind === 'Argument' ? (holder.name?.value ?? '') : '';
      found.push({
        name: node.name.value,
        type,
        at: { parent: parentType ? getNamedType(parentType).name : undefined, field },
      });
    },
  });
  visit(operation, visitor);
  for (const definition of document.definitions)
    if (definition.kind === 'FragmentDefinition') visit(definition, visitor);
  return { where: found, literalRows };
}

/** Walks `value` as `type` at `at`; one step per list and object. */
function check(
  value: unknown,
  type: GraphQLInputType,
  at: Location,
  path: string,
  bounds: Bounds,
  state: { rows: number },
): GraphQLError | undefined {
  if (value === null || value === undefined) return undefined;
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable)) {
    const item = nullable.ofType as GraphQLInputType;
    const list = listOf(value);
    if (list === undefined) return check(value, item, at, path, bounds, state);
    const itemType = getNamedType(item);
    if (isInputObjectType(itemType)) {
      state.rows += list.length;
      if (state.rows > bounds.maxRows)
        return tooLarge(
          `${path} holds ${list.length} rows: ${state.rows} prediction rows in one request exceeds the limit of ${bounds.maxRows} (MAX_ROWS_PER_REQUEST)`,
        );
      for (let i = 0; i < list.length; i++) {
        const error = check(list[i], item, at, `${path}[${i}]`, bounds, state);
        if (error) return error;
      }
      return undefined;
    }
    const limit = listBound(at, bounds);
    if (list.length > limit)
      return tooLarge(
        `${path} (${at.parent ? `${at.parent}.` : ''}${at.field || 'a list'}) holds ${list.length} elements; no model's contract allows more than ${limit}`,
      );
    return undefined;
  }
  const named = getNullableType(nullable);
  if (isInputObjectType(named)) return checkObject(value, named, path, bounds, state);
  if (typeof value === 'string' && NAME_FIELDS.has(at.field) && value.length > bounds.longestName) {
    return apiGraphQLError('NAME_TOO_LONG', { path, field: at.field, length: value.length, limit: bounds.longestName });
  }
  return undefined;
}

function checkObject(
  value: unknown,
  type: GraphQLInputObjectType,
  path: string,
  bounds: Bounds,
  state: { rows: number },
): GraphQLError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = type.getFields();
  const record = value as Record<string, unknown>;
  if (type.name === TENSOR_INPUT) {
    const shape = listOf(record.shape);
    const rows = shape?.[0];
    if (typeof rows === 'number' && rows > bounds.maxRows)
      return tooLarge(
        `${path}.shape[0] asks for ${rows} rows: ${rows} prediction rows in one request exceeds the limit of ${bounds.maxRows} (MAX_ROWS_PER_REQUEST)`,
      );
  }
  for (const name of Object.keys(fields)) {
    if (!(name in record)) continue;
    const error = check(
      record[name],
      fields[name].type,
      { parent: type.name, field: name },
      `${path}.${name}`,
      bounds,
      state,
    );
    if (error) return error;
  }
  return undefined;
}

/** The longest list allowed at `at`. */
function listBound(at: Location, bounds: Bounds): number {
  if (at.parent === TENSOR_INPUT) return at.field === 'shape' ? MAX_TENSOR_RANK : bounds.longestList;
  return (at.parent !== undefined ? bounds.vectorLength.get(at.field) : undefined) ?? bounds.longestList;
}

/** `value` as a list (an array or a typed array from the body parser), else undefined. */
function listOf(value: unknown): ArrayLike<unknown> | undefined {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as ArrayLike<unknown>;
  return undefined;
}

function tooLarge(what: string): GraphQLError {
  return apiGraphQLError('VARIABLE_TOO_LARGE', { what });
}

/** The longest lists any body may hold with the models served now (see findLongList). */
export function bodyListBounds(repository: ModelRepository, maxRows: number): ListBounds {
  const bounds = boundsOf(repository, maxRows);
  return { objects: maxRows, elements: bounds.longestList, strings: maxRows * bounds.widestStrings };
}

/** The bounds from every contract read so far (a model still loading its config adds none). */
function boundsOf(repository: ModelRepository, maxRows: number): Bounds {
  const vectorLength = new Map<string, number>();
  let widest = 1;
  let widestStrings = 1;
  let longestName = 1;
  for (const entry of repository.list()) {
    longestName = Math.max(longestName, entry.name.length);
    for (const input of entry.config?.inputs ?? []) {
      longestName = Math.max(longestName, input.tensor.length);
      let width = 0;
      for (const field of input.fields) {
        width += field.length ?? 1;
        if (field.length !== undefined)
          vectorLength.set(field.name, Math.max(vectorLength.get(field.name) ?? 0, field.length));
      }
      const elements = (input.shape ?? [width]).reduce((n, d) => n * d, 1);
      widest = Math.max(widest, elements);
      if (input.dtype === 'string') widestStrings = Math.max(widestStrings, elements);
    }
  }
  return { maxRows, vectorLength, longestList: maxRows * widest, longestName, widestStrings };
}
