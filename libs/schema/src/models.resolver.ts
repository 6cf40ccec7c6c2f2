import type { ModelEntry, ModelSignature, TensorSignature } from '@mserve/inference';
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { SchemaContext } from './context.js';
import { ModelInfo, ModelPhase, type ModelVersionInfo, type TensorInfo } from './model-info.types.js';

@Resolver()
export class ModelsResolver {
  @Query(() => [ModelInfo], { description: 'Every model of the repository, loaded or not.' })
  models(@Ctx() context: SchemaContext): ModelInfo[] {
    return context.repository.list().map(describeModel);
  }

  @Query(() => ModelInfo, { nullable: true, description: 'One model by name; null when there is none.' })
  model(@Arg('name', () => String) name: string, @Ctx() context: SchemaContext): ModelInfo | null {
    const entry = context.repository.list().find((e) => e.name === name);
    return entry ? describeModel(entry) : null;
  }
}

/** The GraphQL view of a repository entry: contract merged with the signature of the default version. */
export function describeModel(entry: ModelEntry): ModelInfo {
  const versions: ModelVersionInfo[] = entry.versions.map(({ version, state, reloadFailure }) => ({
    version,
    state: state.phase as ModelPhase,
    reason:
      state.phase === 'failed'
        ? state.reason
        : reloadFailure && `reload failed, serving the loaded one: ${reloadFailure}`,
    executionProvider: state.phase === 'ready' ? state.model.executionProvider.provider : undefined,
    fallbackReason: state.phase === 'ready' ? state.model.executionProvider.fallbackReason : undefined,
    pendingRows: state.phase === 'ready' ? state.model.pendingRows : 0,
  }));
  // The version that serves requests naming none: the newest ready one (see ModelRepository.get).
  const serving = entry.versions.find((v) => v.state.phase === 'ready') ?? entry.versions[0];
  const signature: ModelSignature | undefined =
    serving?.state.phase === 'ready' ? serving.state.model.signature : undefined;
  const config = entry.config;
  const find = (list: TensorSignature[] | undefined, name: string) => list?.find((t) => t.name === name);
  const dims = (t: TensorSignature | undefined, fallback: number[]) =>
    t ? t.shape.map(String) : ['batch', ...fallback.map(String)];

  const inputs: TensorInfo[] = (config?.inputs ?? []).map((spec) => {
    const actual = find(signature?.inputs, spec.tensor);
    return {
      name: spec.tensor,
      tensor: spec.tensor,
      dtype: spec.dtype,
      shape: dims(actual, spec.shape),
      fields: spec.fields.map((f) => ({
        ...f,
        default: f.default === undefined ? undefined : JSON.stringify(f.default),
      })),
    };
  });
  const outputs: TensorInfo[] = Object.entries(config?.outputs ?? {}).map(([name, spec]) => {
    const actual = find(signature?.outputs, spec.tensor);
    return {
      name,
      tensor: spec.tensor,
      dtype: actual?.type ?? 'float32',
      shape: actual ? actual.shape.map(String) : [],
      kind: spec.kind,
      fields: [],
    };
  });
  return {
    name: entry.name,
    description: config?.description,
    task: config?.task,
    state: (serving?.state.phase ?? 'failed') as ModelPhase,
    reason: versions[entry.versions.indexOf(serving)]?.reason,
    defaultVersion: serving?.version ?? 0,
    versions,
    inputs,
    outputs,
    labels: config?.labels,
    batching: config?.batching,
    instances: config?.instances,
    executionProvider: versions[entry.versions.indexOf(serving)]?.executionProvider,
  };
}
