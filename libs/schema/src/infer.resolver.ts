import { Arg, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { SchemaContext } from './context.js';

@InputType('TensorInput', {
  description:
    'One input tensor, batch axis first. Give its elements in exactly one of values, strings, booleans or base64.',
})
export class TensorInput {
  @Field(() => String, { description: 'The ONNX input name.' }) name!: string;
  @Field(() => [Int], { description: 'Dims, batch axis first, e.g. [2, 4] for two rows of four.' }) shape!: number[];
  @Field(() => [Float], { nullable: true, description: 'Numeric elements, row-major.' }) values?: number[];
  @Field(() => [String], { nullable: true, description: 'String elements, row-major.' }) strings?: string[];
  @Field(() => [Boolean], { nullable: true, description: 'Boolean elements, row-major.' }) booleans?: boolean[];
  @Field(() => String, {
    nullable: true,
    description: 'Numeric elements as base64 of little-endian bytes of the input dtype.',
  })
  base64?: string;
}

@ObjectType('TensorOutput', { description: 'One output tensor, batch axis first.' })
export class TensorOutput {
  @Field(() => String) name!: string;
  @Field(() => String) dtype!: string;
  @Field(() => [Int]) shape!: number[];
  @Field(() => [Float], { nullable: true, description: 'Numeric elements, row-major (int64 as Float).' })
  values?: number[];
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
    description:
      'Runs any loaded model on raw tensors. Rows are batched with other requests, but nothing is validated beyond dtype, shape and finiteness.',
  })
  async infer(
    @Arg('model', () => String) model: string,
    @Arg('inputs', () => [TensorInput]) inputs: TensorInput[],
    @Arg('version', () => Int, { nullable: true }) version: number | undefined,
    @Ctx() context: SchemaContext,
  ): Promise<InferResult> {
    const loaded = context.repository.get(model, version ?? undefined);
    // Rows count against the request's limit from the shape, before any element is decoded.
    const rows = inputs[0]?.shape?.[0];
    if (Number.isInteger(rows) && (rows as number) > 0) context.admitRows?.(loaded, rows as number);
    const outputs = await loaded.inferTensors(inputs, context.submitOptions);
    return { model: loaded.name, version: loaded.version, outputs };
  }
}
