import {
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLUnionType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfig,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLType,
} from 'graphql';

/** What to change while copying a schema. Resolvers, descriptions and everything else are kept. */
export interface SchemaRewrite {
  /** The type of input field `field` of input type `type` in the copy (default: the same type, rewired). */
  inputFieldType?(
    type: GraphQLInputObjectType,
    field: string,
    fieldType: GraphQLInputType,
  ): GraphQLInputType | undefined;
}

/**
 * A copy of `schema` with the changes of `rewrite`: every named type that refers to others is
 * rebuilt, so the copy never shares a type that points back into the original. Leaf types (scalars,
 * enums) have no references and are shared. graphql-js has no schema-mapping helper of its own;
 * this is the small part of @graphql-tools' `mapSchema` that the twin schema needs.
 */
export function rewriteSchema(schema: GraphQLSchema, rewrite: SchemaRewrite): GraphQLSchema {
  const copies = new Map<string, GraphQLNamedType>();
  const named = <T extends GraphQLNamedType>(type: T): T => (copies.get(type.name) ?? type) as T;
  const rewire = <T extends GraphQLType>(type: T): T => {
    if (isNonNullType(type)) return new GraphQLNonNull(rewire(type.ofType)) as T;
    if (isListType(type)) return new GraphQLList(rewire(type.ofType)) as T;
    return named(type as GraphQLNamedType) as T;
  };
  const fields = (config: GraphQLFieldConfigMap<unknown, unknown>) => () =>
    Object.fromEntries(
      Object.entries(config).map(([name, field]): [string, GraphQLFieldConfig<unknown, unknown>] => [
        name,
        {
          ...field,
          type: rewire(field.type),
          args: Object.fromEntries(
            Object.entries(field.args ?? {}).map(([arg, c]) => [arg, { ...c, type: rewire(c.type) }]),
          ),
        },
      ]),
    );

  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type)) {
      const config = type.toConfig();
      copies.set(
        type.name,
        new GraphQLObjectType({
          ...config,
          interfaces: () => config.interfaces.map(named),
          fields: fields(config.fields),
        }),
      );
    } else if (isInterfaceType(type)) {
      const config = type.toConfig();
      copies.set(
        type.name,
        new GraphQLInterfaceType({
          ...config,
          interfaces: () => config.interfaces.map(named),
          fields: fields(config.fields),
        }),
      );
    } else if (isUnionType(type)) {
      const config = type.toConfig();
      copies.set(type.name, new GraphQLUnionType({ ...config, types: () => config.types.map(named) }));
    } else if (isInputObjectType(type)) {
      const config = type.toConfig();
      const inputFields = () =>
        Object.fromEntries(
          Object.entries(config.fields).map(([name, field]): [string, GraphQLInputFieldConfig] => [
            name,
            { ...field, type: rewrite.inputFieldType?.(type, name, field.type) ?? rewire(field.type) },
          ]),
        );
      copies.set(type.name, new GraphQLInputObjectType({ ...config, fields: inputFields }));
    }
  }
  const config = schema.toConfig();
  return new GraphQLSchema({
    ...config,
    query: config.query && named(config.query),
    mutation: config.mutation && named(config.mutation),
    subscription: config.subscription && named(config.subscription),
    types: config.types.filter((type) => !isIntrospectionType(type)).map(named),
  });
}
