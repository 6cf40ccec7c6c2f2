import {
  DTYPES,
  InferenceError,
  allocate,
  elementCount,
  badInput,
  isDType,
  isSymbolic,
  rowKey,
  toPlain,
  view,
  type DType,
  type Row,
  type RowOutput,
  type RowTensor,
  type TensorData,
  type TensorSignature,
} from '@mserve/inference';
import { Arg, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { SchemaContext } from './context.js';

@InputType('TensorInput', { description: 'One input tensor, batch axis first. Give its elements in exactly one of values, strings, booleans or base64.' })
export class TensorInput {
  @Field(() => String, { description: 'The ONNX input name.' }) name!: string;
  @Field(() => [Int], { description: 'Dims, batch axis first, e.g. [2, 4] for two rows of four.' }) shape!: number[];
  @Field(() => [Float], { nullable: true, description: 'Numeric elements, row-major.' }) values?: number[];
  @Field(() => [String], { nullable: true, description: 'String elements, row-major.' }) strings?: string[];
  @Field(() => [Boolean], { nullable: true, description: 'Boolean elements, row-major.' }) booleans?: boolean[];
  @Field(() => String, { nullable: true, description: 'Numeric elements as base64 of little-endian bytes of the input dtype.' }) base64?: string;
}

@ObjectType('TensorOutput', { description: 'One output tensor, batch axis first.' })
export class TensorOutput {
  @Field(() => String) name!: string;
  @Field(() => String) dtype!: string;
  @Field(() => [Int]) shape!: number[];
  @Field(() => [Float], { nullable: true, description: 'Numeric elements, row-major (int64 as Float).' }) values?: number[];
  @Field(() => [String], { nullable: true }) strings?: string[];
  @Field(() => [Boolean], { nullable: true }) booleans?: boolean[];
}

@ObjectType('InferResult', { description: 'Raw outputs of one inference call.' })
export class InferResult {
  @Field(() => String) model!: string;
  @Field(() => Int) version!: number;
  @Field(() => [TensorOutput]) outputs!: TensorOutput[];
}

@Resolver()
export class InferResolver {
  @Query(() => InferResult, {
    nullable: true,
    description: 'Runs any loaded model on raw tensors. Rows are batched with other requests, but nothing is validated beyond dtype, shape and finiteness.',
  })
  async infer(
    @Arg('model', () => String) model: string,
    @Arg('inputs', () => [TensorInput]) inputs: TensorInput[],
    @Arg('version', () => Int, { nullable: true }) version: number | undefined,
    @Ctx() context: SchemaContext,
  ): Promise<InferResult> {
    const loaded = context.repository.get(model, version ?? undefined);
    const rows = toRows(loaded.signature.inputs, inputs, (count) => context.admitRows?.(loaded, count));
    const results = await loaded.infer(rows, context.submitOptions);
    const failed = results.find((r): r is InferenceError => r instanceof InferenceError);
    if (failed) throw failed;
    return { model: loaded.name, version: loaded.version, outputs: mergeRows(results as RowOutput[]) };
  }
}

const bad = (field: string, reason: string) => badInput(0, field, reason);

/**
 * Checks raw tensors against the model signature and cuts them into rows along the batch axis.
 * `admit` hears the row count, from the first shape, before any element is decoded.
 */
function toRows(signature: readonly TensorSignature[], inputs: readonly TensorInput[], admit: (rows: number) => void): Row[] {
  const given = new Map(inputs.map((input) => [input.name, input]));
  for (const input of inputs) {
    if (!signature.some((s) => s.name === input.name)) throw bad(`inputs.${input.name}`, `the model has no such input; its inputs are ${signature.map((s) => s.name).join(', ')}`);
  }
  let batch: number | undefined;
  const tensors = signature.map((spec) => {
    const input = given.get(spec.name);
    const field = `inputs.${spec.name}`;
    if (!input) throw bad(field, 'is required');
    if (!isDType(spec.type)) throw bad(field, `has dtype ${spec.type}, which this API cannot send`);
    const dtype: DType = spec.type;
    if (input.shape.length !== spec.shape.length) throw bad(`${field}.shape`, `must have ${spec.shape.length} dims, got ${input.shape.length}`);
    input.shape.forEach((d, k) => {
      if (!Number.isInteger(d) || d < (k === 0 ? 1 : 0)) throw bad(`${field}.shape[${k}]`, `must be a positive integer, got ${d}`);
      if (!isSymbolic(spec.shape[k]) && spec.shape[k] !== d) throw bad(`${field}.shape[${k}]`, `must be ${spec.shape[k]}, got ${d}`);
    });
    if (batch !== undefined && input.shape[0] !== batch) throw bad(`${field}.shape[0]`, `must equal the batch size of the other inputs, ${batch}`);
    if (batch === undefined) admit(input.shape[0]);
    batch = input.shape[0];
    return { name: spec.name, dtype, dims: input.shape.slice(1), data: decode(field, dtype, input, elementCount(input.shape)) };
  });
  const rows: Row[] = [];
  for (let i = 0; i < (batch ?? 0); i++) {
    const row: Record<string, RowTensor> = {};
    for (const t of tensors) {
      const per = elementCount(t.dims);
      row[t.name] = { dtype: t.dtype, dims: t.dims, data: view(t.data, i * per, (i + 1) * per) };
    }
    rows.push({ tensors: row, key: rowKey(row) });
  }
  return rows;
}

/** The elements of one input in its dtype, after checking their count and finiteness. */
function decode(field: string, dtype: DType, input: TensorInput, count: number): TensorData {
  const forms = [input.values, input.strings, input.booleans, input.base64].filter((f) => f !== undefined && f !== null);
  if (forms.length !== 1) throw bad(field, 'give its elements in exactly one of values, strings, booleans or base64');
  const kind = DTYPES[dtype].kind;
  if (input.base64 !== undefined && input.base64 !== null) {
    if (kind === 'string' || kind === 'boolean') throw bad(`${field}.base64`, `is only for numeric dtypes, not ${dtype}`);
    const bytes = Buffer.from(input.base64, 'base64');
    if (bytes.length !== count * DTYPES[dtype].bytes) throw bad(`${field}.base64`, `must decode to ${count * DTYPES[dtype].bytes} bytes (${count} × ${dtype}), got ${bytes.length}`);
    const data = allocate(dtype, count) as Float32Array;
    new Uint8Array(data.buffer).set(bytes);
    checkFinite(field, data);
    return data;
  }
  const list = (input.values ?? input.strings ?? input.booleans) as unknown[];
  if (list.length !== count) throw bad(field, `must have ${count} elements for shape [${input.shape.join(', ')}], got ${list.length}`);
  const expected = kind === 'string' ? 'strings' : kind === 'boolean' ? 'booleans' : 'values';
  if ((input as unknown as Record<string, unknown>)[expected] === undefined) throw bad(field, `is ${dtype}: give its elements as ${expected}`);
  const data = allocate(dtype, count);
  for (let i = 0; i < count; i++) {
    const v = list[i];
    if (kind === 'string') (data as string[])[i] = v as string;
    else if (kind === 'boolean') (data as Uint8Array)[i] = v ? 1 : 0;
    else if (kind === 'bigint') {
      if (!Number.isSafeInteger(v)) throw bad(`${field}[${i}]`, `must be an integer, got ${v}`);
      (data as BigInt64Array)[i] = BigInt(v as number);
    } else (data as Float32Array)[i] = v as number;
  }
  if (kind === 'integer' || kind === 'number') checkFinite(field, data as Float32Array);
  return data;
}

function checkFinite(field: string, data: ArrayLike<number | bigint>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'number' && !Number.isFinite(v)) throw bad(`${field}[${i}]`, `must be a finite number, got ${v}`);
  }
}

/** Concatenates row outputs back into batch tensors. */
function mergeRows(rows: readonly RowOutput[]): TensorOutput[] {
  if (rows.length === 0) return [];
  return Object.entries(rows[0]).map(([name, first]) => {
    const values = rows.flatMap((row) => toPlain(row[name].dtype, row[name].data));
    const output: TensorOutput = { name, dtype: first.dtype, shape: [rows.length, ...first.dims] };
    if (first.dtype === 'string') output.strings = values as string[];
    else if (first.dtype === 'bool') output.booleans = values as boolean[];
    else output.values = values as number[];
    return output;
  });
}
