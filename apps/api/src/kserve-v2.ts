import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from './context.js';
import {
  checkOutputSelection,
  itemsOfTensors,
  outputTensors,
  rowShape,
  toBinary,
  V2_DATATYPES,
  v2Datatype,
  type V2Tensor,
} from './kserve-v2-tensors.js';
import { protocolViolation } from './protocol-schemas/validator.js';
import {
  ADMITTED,
  handleRest,
  parseJsonBody,
  restScope,
  RestRequestError,
  versionParam,
  type RestDeps,
} from './rest-common.js';

/** What the v2 routes need beyond the REST basics: the server's readiness (as /readyz decides it). */
export interface KserveV2Deps extends RestDeps {
  isReady(): boolean;
  /** Extensions beyond binary_tensor_data that the server offers (`model_repository` with ADMIN_TOKEN). */
  extensions: readonly string[];
}

interface ModelParams {
  model: string;
  version?: string;
}

interface InferenceRequest {
  id?: string;
  parameters?: { binary_data_output?: boolean };
  inputs: V2Tensor[];
  outputs?: Array<{ name: string; parameters?: { binary_data?: boolean } }>;
}

/**
 * The Open Inference Protocol (KServe v2) REST API: health, server and model metadata, model
 * readiness and inference, with JSON tensors and Triton's binary tensor extension. Inference goes
 * through the request's RequestContext (the same as GraphQL's), so its rows are checked by the
 * contract and merged with GraphQL's in the shared batchers. Errors are `{ "error": "CODE: …" }`.
 */
export async function registerKserveV2(app: FastifyInstance, deps: KserveV2Deps): Promise<void> {
  await app.register(async (scope) => {
    await restScope(scope, deps);
    scope.get('/v2', async () => ({
      name: 'mserve',
      version: '0.1.0',
      extensions: ['binary_tensor_data', ...deps.extensions],
    }));
    scope.get('/v2/health/live', async () => ({ live: true }));
    // The protocol reads a 4xx as false.
    scope.get('/v2/health/ready', async (_request, reply) =>
      reply.status(deps.isReady() ? 200 : 400).send({ ready: deps.isReady() }),
    );
    for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
      scope.get(prefix, (request: FastifyRequest<{ Params: ModelParams }>, reply) =>
        handleRest('kserve-v2', request, reply, deps, async () => metadata(deps, request.params)),
      );
      scope.get(`${prefix}/ready`, (request: FastifyRequest<{ Params: ModelParams }>, reply) =>
        handleRest('kserve-v2', request, reply, deps, async () => modelReady(deps, request.params, reply)),
      );
      scope.post(`${prefix}/infer`, { config: ADMITTED }, (request: FastifyRequest<{ Params: ModelParams }>, reply) =>
        handleRest('kserve-v2', request, reply, deps, (context) => infer(request, reply, deps, context)),
      );
    }
  });
}

/** A model's metadata from its serving version: contract inputs, its outputs as the session declares them. */
function metadata(deps: RestDeps, params: ModelParams) {
  const model = deps.repository.get(params.model, versionParam(params.version));
  const entry = deps.repository.list().find((e) => e.name === model.name);
  return {
    name: model.name,
    versions: (entry?.versions ?? []).filter((v) => v.state.phase === 'ready').map((v) => String(v.version)),
    platform: 'onnx_onnxv1',
    inputs: model.config.inputs.map((spec) => ({
      name: spec.tensor,
      datatype: V2_DATATYPES[spec.dtype ?? 'float32'],
      shape: [-1, ...rowShape(spec)],
    })),
    outputs: Object.values(model.config.outputs).map((spec) => {
      const signature = model.signature.outputs.find((t) => t.name === spec.tensor);
      return {
        name: spec.tensor,
        datatype: v2Datatype(signature?.type ?? 'float32', spec.tensor),
        shape: (signature?.shape ?? [-1]).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
      };
    }),
  };
}

/** 200 `{ ready: true }` when the version loads and serves; 400 `{ ready: false }` while not; 404 when unknown. */
function modelReady(deps: RestDeps, params: ModelParams, reply: FastifyReply) {
  try {
    const model = deps.repository.get(params.model, versionParam(params.version));
    const ready = model.workers.serving;
    return reply.status(ready ? 200 : 400).send({ name: params.model, ready });
  } catch (error) {
    if ((error as { code?: string }).code === 'MODEL_NOT_READY')
      return reply.status(400).send({ name: params.model, ready: false });
    throw error;
  }
}

async function infer(
  request: FastifyRequest<{ Params: ModelParams }>,
  reply: FastifyReply,
  deps: RestDeps,
  context: RequestContext,
) {
  const { json, binary } = splitBody(request);
  const body = parseJsonBody(json, deps) as InferenceRequest;
  const violation = protocolViolation('v2#inference_request', body);
  if (violation) throw new RestRequestError(violation);
  const model = deps.repository.get(request.params.model, versionParam(request.params.version));
  const items = itemsOfTensors(model, body.inputs, binary);
  checkOutputSelection(model, body.outputs?.map((o) => o.name) ?? []);
  const result = await context.predictWhole(model.name, model.version, items);
  if ('invalid' in result) throw result.invalid.find((e) => e !== undefined);
  const outputs = outputTensors(
    model,
    result.predictions,
    body.outputs?.map((o) => o.name),
  );
  const binaryOut = (name: string) =>
    body.outputs?.find((o) => o.name === name)?.parameters?.binary_data ?? body.parameters?.binary_data_output ?? false;
  const chunks: Buffer[] = [];
  const tensors = outputs.map(({ tensor, dtype, values }) => {
    if (!binaryOut(tensor.name)) return { ...tensor, data: values };
    const bytes = toBinary(dtype, values);
    chunks.push(bytes);
    return { ...tensor, parameters: { binary_data_size: bytes.length } };
  });
  const response = {
    model_name: model.name,
    model_version: String(model.version),
    ...(body.id !== undefined ? { id: body.id } : {}),
    outputs: tensors,
  };
  if (chunks.length === 0) return response;
  const header = Buffer.from(JSON.stringify(response), 'utf8');
  reply.header('inference-header-content-length', String(header.length)).type('application/octet-stream');
  return reply.send(Buffer.concat([header, ...chunks]));
}

/** The JSON header and the binary tensor data after it (`Inference-Header-Content-Length`); all JSON without the header. */
function splitBody(request: FastifyRequest): { json: Buffer | undefined; binary: Buffer } {
  const body = request.body as Buffer | undefined;
  const header = request.headers['inference-header-content-length'];
  if (header === undefined) return { json: body, binary: Buffer.alloc(0) };
  const length = /^[0-9]{1,10}$/.test(String(header)) ? Number(header) : NaN;
  const size = body?.length ?? 0;
  if (!(length <= size))
    throw new RestRequestError(
      `Header inference-header-content-length must be a whole number of bytes within the body's ${size}, got "${String(header).slice(0, 32)}"`,
    );
  return { json: body?.subarray(0, length), binary: body ? body.subarray(length) : Buffer.alloc(0) };
}
