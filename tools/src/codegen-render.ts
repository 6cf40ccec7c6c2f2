import { type DType, type FieldSpec, type InputSpec, type ModelConfig } from '@mserve/inference';
import { ColumnCodec } from '@mserve/inference/tensors';
import { renderEntities, type FieldTyping } from './codegen-entities.js';

/** The TypeScript and GraphQL names generated for a model folder name (`iris`, `face-age`). */
export function typeNames(model: string) {
  const camel = model
    .replace(/[-_ ]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase())
    .replace(/^[A-Z]/, (c) => c.toLowerCase());
  const pascal = camel.charAt(0).toUpperCase() + camel.slice(1);
  if (!/^[a-z][A-Za-z0-9]*$/.test(camel))
    throw new Error(
      `models/${model}: the folder name must make a GraphQL name (letters, digits, '-' or '_', starting with a letter)`,
    );
  return {
    file: model,
    single: camel,
    batch: `${camel}Batch`,
    input: `${pascal}Input`,
    /** The compact form (numeric contracts only): one base64 column per field. */
    compact: `${camel}BatchCompact`,
    columns: `${pascal}Columns`,
    prediction: `${pascal}Prediction`,
    resolver: `${pascal}Resolver`,
  };
}

const GRAPHQL_SCALAR: Record<DType, { gql: string; ts: string }> = {
  float32: { gql: 'Float', ts: 'number' },
  float64: { gql: 'Float', ts: 'number' },
  int32: { gql: 'Int', ts: 'number' },
  // GraphQL's Int is 32-bit; int64 fields travel as Float (exact up to 2^53, checked on input).
  int64: { gql: 'Float', ts: 'number' },
  bool: { gql: 'Boolean', ts: 'boolean' },
  string: { gql: 'String', ts: 'string' },
};

const OUTPUT_SCALAR: Record<string, { gql: string; ts: string }> = {
  probabilities: { gql: 'Float', ts: 'number' },
  logits: { gql: 'Float', ts: 'number' },
  regression: { gql: 'Float', ts: 'number' },
  embedding: { gql: 'Float', ts: 'number' },
};

/** A field's description: its own words, then unit, range, length and default, as the contract states them. */
function describeField(field: FieldSpec): string {
  const parts = [field.description ?? field.name];
  if (field.length !== undefined) parts.push(`${field.length} values.`);
  if (field.unit) parts.push(`Unit: ${field.unit}.`);
  if (field.min !== undefined && field.max !== undefined) parts.push(`Range: ${field.min} to ${field.max}.`);
  else if (field.min !== undefined) parts.push(`At least ${field.min}.`);
  else if (field.max !== undefined) parts.push(`At most ${field.max}.`);
  if (field.default !== undefined) parts.push(`Default: ${JSON.stringify(field.default)}.`);
  return parts.map((p) => p.trim().replace(/([^.])$/, '$1.')).join(' ');
}

/** An input field's GraphQL and TypeScript types, for the types that carry its values. */
const fieldTyping: FieldTyping = (input, field) => {
  const scalar = GRAPHQL_SCALAR[input.dtype ?? 'float32'];
  return field.length === undefined
    ? { gql: scalar.gql, ts: scalar.ts }
    : { gql: `[${scalar.gql}]`, ts: `${scalar.ts}[]` };
};

function renderField(input: InputSpec, field: FieldSpec): string {
  const scalar = GRAPHQL_SCALAR[input.dtype];
  const type = field.length === undefined ? scalar.gql : `[${scalar.gql}]`;
  const ts = field.length === undefined ? scalar.ts : `${scalar.ts}[]`;
  const options = [`description: ${JSON.stringify(describeField(field))}`];
  if (field.default !== undefined) options.push('nullable: true', `defaultValue: ${JSON.stringify(field.default)}`);
  return `  @Field(() => ${type}, { ${options.join(', ')} })\n  ${field.name}${field.default !== undefined ? '?' : '!'}: ${ts};\n`;
}

/** A field of the compact form: the base64 column of its values, row after row. */
function renderColumn(input: InputSpec, field: FieldSpec): string {
  const { dtype } = input;
  const count = field.length === undefined ? 'one value' : `${field.length} values`;
  const description = `${describeField(field)} Every row's ${field.name} (${count} per row), row after row, as base64 of little-endian ${dtype}.`;
  const options = [`description: ${JSON.stringify(description)}`];
  if (field.default !== undefined) options.push('nullable: true');
  return `  @Field(() => String, { ${options.join(', ')} })\n  ${field.name}${field.default !== undefined ? '?' : '!'}: string;\n`;
}

/** The compact form of a model with numeric inputs: the columns input type and the query method. */
function renderCompact(model: string, config: ModelConfig): { type: string; query: string } {
  if (!ColumnCodec.supports(config)) return { type: '', query: '' };
  const n = typeNames(model);
  const columns = config.inputs.flatMap((input) => input.fields.map((field) => renderColumn(input, field))).join('\n');
  const type = `
@InputType(${JSON.stringify(n.columns)}, { description: ${JSON.stringify(`Many rows for the ${model} model in compact form: one base64 string per field, holding that field's values for every row. The same checks apply as to ${n.input}.`)} })
export class ${n.columns} {
${columns}}
`;
  const query = `
  @Query(() => [${n.prediction}], {
    nullable: 'itemsAndList',
    description: ${JSON.stringify(`${config.description.replace(/\.$/, '')}. Many rows in compact form (${n.columns}): cheaper to send and to parse than lists; a bad row is null with its own error.`)},
  })
  ${n.compact}(
    @Arg('columns', () => ${n.columns}) columns: ${n.columns},
    @Arg('version', () => Int, { nullable: true, description: 'Model version; the newest when omitted.' }) version: number | undefined,
    @Ctx() context: SchemaContext,
  ): Promise<Array<${n.prediction} | InferenceError>> {
    return predictColumns(context, ${JSON.stringify(model)}, version ?? undefined, columns, ${n.prediction});
  }
`;
  return { type, query };
}

/** The generated module of one model: input type, prediction type and resolver. */
export function renderModel(model: string, config: ModelConfig): string {
  const n = typeNames(model);
  const classification = config.task === 'classification';
  const base = classification ? 'ClassificationPrediction' : 'ValuesPrediction';
  const inputFields = config.inputs
    .flatMap((input) => input.fields.map((field) => renderField(input, field)))
    .join('\n');
  const outputFields = Object.entries(config.outputs)
    .filter(([name]) => !(classification && name === 'probabilities'))
    .map(([name, spec]) => {
      const scalar = OUTPUT_SCALAR[spec.kind];
      const description = [
        (spec.description ?? `The ${spec.kind} output "${spec.tensor}"`).replace(/([^.])$/, '$1.'),
        spec.unit ? `Unit: ${spec.unit}.` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return `  @Field(() => [${scalar.gql}], { description: ${JSON.stringify(description)} })\n  ${name}!: ${scalar.ts}[];\n`;
    })
    .join('\n');
  const labels = config.labels ? ` Labels: ${config.labels.join(', ')}.` : '';
  const versionArg = `@Arg('version', () => Int, { nullable: true, description: 'Model version; the newest when omitted.' }) version: number | undefined`;
  const scalars = new Set(['Arg', 'Ctx', 'Field', 'InputType', 'Int', 'ObjectType', 'Query', 'Resolver']);
  for (const input of config.inputs) scalars.add(GRAPHQL_SCALAR[input.dtype].gql);
  for (const spec of Object.values(config.outputs)) scalars.add(OUTPUT_SCALAR[spec.kind].gql);
  for (const builtin of ['String', 'Boolean']) scalars.delete(builtin);
  const compact = renderCompact(model, config);
  const entities = renderEntities(model, config, n.prediction, fieldTyping);
  const imports = [...new Set([...scalars, ...entities.typeGraphql])].sort();
  const helpers = [base, ...(compact.query ? ['predictColumns'] : []), 'predictMany', 'predictOne'];
  const entityImports = entities.code
    ? `import { ${entities.helpers.join(', ')} } from '../entity-prediction.js';\n`
    : '';

  return `// Generated by tools/src/codegen.ts from models/${model}/config.json. Do not edit: run \`npm run codegen\`.
import type { InferenceError } from '@mserve/inference';
${entities.code ? "import type { GraphQLResolveInfo } from 'graphql';\n" : ''}import { ${imports.join(', ')} } from 'type-graphql';
import type { SchemaContext } from '../context.js';
${entityImports}import { ${helpers.join(', ')} } from '../prediction.types.js';

@InputType(${JSON.stringify(n.input)}, { description: ${JSON.stringify(`One row for the ${model} model: ${config.description}`)} })
export class ${n.input} {
${inputFields}}
${compact.type}
@ObjectType(${JSON.stringify(n.prediction)}, { description: ${JSON.stringify(`A prediction of the ${model} model (${config.task}).${labels}`)}, simpleResolvers: true })
export class ${n.prediction} extends ${base} {
${outputFields}}

@Resolver()
export class ${n.resolver} {
  @Query(() => ${n.prediction}, {
    nullable: true,
    description: ${JSON.stringify(`${config.description.replace(/\.$/, '')}. One row; every ${n.single} field of an operation runs in one batch.`)},
  })
  ${n.single}(
    @Arg('input', () => ${n.input}) input: ${n.input},
    ${versionArg},
    @Ctx() context: SchemaContext,
  ): Promise<${n.prediction}> {
    return predictOne(context, ${JSON.stringify(model)}, version ?? undefined, input, ${n.prediction});
  }

  @Query(() => [${n.prediction}], {
    nullable: 'itemsAndList',
    description: ${JSON.stringify(`${config.description.replace(/\.$/, '')}. Many rows; a bad row is null with its own error, the others are unaffected.`)},
  })
  ${n.batch}(
    @Arg('inputs', () => [${n.input}]) inputs: ${n.input}[],
    ${versionArg},
    @Ctx() context: SchemaContext,
  ): Promise<Array<${n.prediction} | InferenceError>> {
    return predictMany(context, ${JSON.stringify(model)}, version ?? undefined, inputs, ${n.prediction});
  }
${compact.query}}
${entities.code}`.replace(/\n\n}/g, '\n}');
}

/** The queries generated for one model: one row, many rows, and the compact form when it has one. */
export function generatedQueries(model: string, config: ModelConfig): string[] {
  const n = typeNames(model);
  return [n.single, n.batch, ...(ColumnCodec.supports(config) ? [n.compact] : [])];
}

/** The generated barrel: every model's classes, the resolvers for the schema builder, and their query names. */
export function renderIndex(models: ReadonlyArray<{ name: string; config: ModelConfig }>): string {
  const lines = ['// Generated by tools/src/codegen.ts from models/*/config.json. Do not edit: run `npm run codegen`.'];
  for (const { name, config } of models) {
    const n = typeNames(name);
    const entities = renderEntities(name, config, n.prediction, fieldTyping);
    lines.push(
      `import { ${[n.resolver, ...entities.types, ...entities.resolvers].join(', ')} } from './${n.file}.js';`,
    );
  }
  const entityTypes: string[] = [];
  const entityResolvers: string[] = [];
  for (const { name, config } of models) {
    const n = typeNames(name);
    const entities = renderEntities(name, config, n.prediction, fieldTyping);
    entityTypes.push(...entities.types);
    entityResolvers.push(...entities.resolvers);
    const types = [
      n.input,
      ...(ColumnCodec.supports(config) ? [n.columns] : []),
      n.prediction,
      n.resolver,
      ...entities.types,
      ...entities.resolvers,
    ];
    lines.push(`export { ${types.join(', ')} } from './${n.file}.js';`);
  }
  lines.push('', '/** One resolver class per model with a contract. */');
  lines.push(
    `export const GENERATED_RESOLVERS = [${models.map((m) => typeNames(m.name).resolver).join(', ')}] as const;`,
  );
  lines.push(
    '',
    '/** The entities of other subgraphs that contracts extend (`entities`), for the subgraph schema only. */',
  );
  lines.push(`export const GENERATED_ENTITY_TYPES = [${entityTypes.join(', ')}] as const;`);
  lines.push('', '/** The resolvers of the prediction fields on those entities, for the subgraph schema only. */');
  lines.push(`export const GENERATED_ENTITY_RESOLVERS = [${entityResolvers.join(', ')}] as const;`);
  lines.push('', '/** Every query the generated resolvers define. */');
  lines.push(
    `export const GENERATED_QUERIES = [${models.flatMap((m) => generatedQueries(m.name, m.config).map((q) => JSON.stringify(q))).join(', ')}] as const;`,
    '',
  );
  return lines.join('\n');
}
