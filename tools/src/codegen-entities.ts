import type { FieldSpec, InputSpec, ModelConfig } from '@mserve/inference';

/** One entity a contract extends (`entities` in config.json). */
type EntitySpec = NonNullable<ModelConfig['entities']>[number];

/** What the entity extensions of one model add to its generated module. */
export interface RenderedEntities {
  /** The entity classes and their field resolvers (empty when the contract names no entity). */
  code: string;
  /** Names to import from type-graphql. */
  typeGraphql: string[];
  /** Helpers to import from the schema lib's entity-prediction module. */
  helpers: string[];
  /** Exported class names: the entity types, then their resolvers. */
  types: string[];
  resolvers: string[];
}

/** The GraphQL and TypeScript types of an input field, for an entity field of the same values. */
export type FieldTyping = (input: InputSpec, field: FieldSpec) => { gql: string; ts: string };

/**
 * The federated extension of each entity a contract names (`config.entities`): the entity type
 * with its `@key`, the entity fields the model reads (`@external`, values the owning subgraph
 * serves), and the prediction field (`@requires` on those fields) resolved by the model. Only the
 * subgraph schema (`FEDERATION=true`) takes these classes; the API schema never sees them.
 */
export function renderEntities(
  model: string,
  config: ModelConfig,
  prediction: string,
  typing: FieldTyping,
): RenderedEntities {
  const entities = config.entities ?? [];
  if (entities.length === 0) return { code: '', typeGraphql: [], helpers: [], types: [], resolvers: [] };
  const fields = new Map(
    config.inputs.flatMap((input) => input.fields.map((field) => [field.name, { input, field }] as const)),
  );
  const code = entities
    .map((entity) => renderEntity(model, prediction, entity, fields, typing, config.description))
    .join('');
  const scalars = new Set([
    'Ctx',
    'Directive',
    'Field',
    'FieldResolver',
    'ID',
    'Info',
    'ObjectType',
    'Resolver',
    'Root',
  ]);
  for (const { input, field } of fields.values()) scalars.add(typing(input, field).gql.replace(/[[\]]/g, ''));
  for (const builtin of ['String', 'Boolean']) scalars.delete(builtin);
  return {
    code,
    typeGraphql: [...scalars],
    helpers: ['predictEntity'],
    types: entities.map((entity) => entity.type),
    resolvers: entities.map((entity) => entityResolverName(model, entity)),
  };
}

/** The resolver class of `entity`'s prediction field (`IrisFlowerResolver`). */
export function entityResolverName(model: string, entity: EntitySpec): string {
  const pascal = model
    .replace(/[-_ ]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase())
    .replace(/^[a-z]/, (c) => c.toUpperCase());
  return `${pascal}${entity.type}Resolver`;
}

// The entity type, its key and its external fields carry no description: the subgraph that owns
// them describes them, and two descriptions of one element are a composition hint.
function renderEntity(
  model: string,
  prediction: string,
  entity: EntitySpec,
  fields: ReadonlyMap<string, { input: InputSpec; field: FieldSpec }>,
  typing: FieldTyping,
  description: string,
): string {
  const keys = entity.key.split(' ');
  const byEntityField = new Map(
    Object.entries(entity.inputs).map(([modelField, entityField]) => [entityField, modelField]),
  );
  const spec = (modelField: string) => {
    const found = fields.get(modelField);
    if (!found) throw new Error(`${model}: entity ${entity.type} maps unknown input field ${modelField}`);
    return found;
  };
  const lines: string[] = [];
  for (const key of keys) {
    const modelField = byEntityField.get(key);
    const type = modelField ? typing(spec(modelField).input, spec(modelField).field) : { gql: 'ID', ts: 'string' };
    lines.push(`  @Field(() => ${type.gql})\n  ${key}!: ${type.ts};\n`);
  }
  const required: string[] = [];
  for (const [modelField, entityField] of Object.entries(entity.inputs)) {
    if (keys.includes(entityField)) continue;
    const { input, field } = spec(modelField);
    const type = typing(input, field);
    const optional = field.default !== undefined;
    lines.push(
      `  @Directive("@external")\n  @Field(() => ${type.gql}${optional ? ', { nullable: true }' : ''})\n  ${entityField}${optional ? '?' : '!'}: ${type.ts};\n`,
    );
    required.push(entityField);
  }
  const mapping = Object.entries(entity.inputs)
    .map(([modelField, entityField]) => `${modelField}: ${JSON.stringify(entityField)}`)
    .join(', ');
  const resolver = entityResolverName(model, entity);
  const read = Object.entries(entity.inputs).map(([modelField, entityField]) =>
    modelField === entityField ? modelField : `${modelField} from ${entityField}`,
  );
  const fieldDescription = `${description.replace(/\.$/, '')}, predicted from this ${entity.type}'s fields (the model's inputs: ${read.join(', ')}). Every ${entity.type} of one request runs in one batch; a bad one is null with its own error.`;
  const requires =
    required.length > 0 ? `\n  @Directive(${JSON.stringify(`@requires(fields: "${required.join(' ')}")`)})` : '';
  return `
@ObjectType(${JSON.stringify(entity.type)})
@Directive(${JSON.stringify(`@key(fields: "${entity.key}")`)})
export class ${entity.type} {
${lines.join('\n')}}

@Resolver(() => ${entity.type})
export class ${resolver} {
  /** Model input field → the ${entity.type} field it is read from. */
  static readonly inputs = { ${mapping} } as const;

  @FieldResolver(() => ${prediction}, { nullable: true, description: ${JSON.stringify(fieldDescription)} })${requires}
  ${entity.field}(@Root() entity: ${entity.type}, @Ctx() context: SchemaContext, @Info() info: GraphQLResolveInfo): Promise<${prediction}> {
    return predictEntity(context, ${JSON.stringify(model)}, entity, ${resolver}.inputs, info, ${prediction});
  }
}
`;
}
