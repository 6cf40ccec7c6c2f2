import type { InferenceError, LoadedModel, Prediction } from '@mserve/inference';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from './context.js';
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

interface PredictParams {
  model: string;
  version?: string;
  /** The last path segment: `<model>:predict`, or `<version>:predict` after `/versions/`. */
  action: string;
}

interface PredictRequest {
  instances?: unknown[];
  inputs?: Record<string, unknown> | unknown[];
}

/**
 * TF Serving's REST predict, as minimal services copy it: `POST /v1/models/{m}[/versions/{v}]:predict`
 * with `{"instances": [{field: value, …}, …]}` (the contract's named fields) or columnar
 * `{"inputs": {field: [values…]}}`, answering `{"predictions": [...]}` (or `{"outputs": {...}}` for
 * columnar input) with the contract's post-processing. A bad instance fails the request with 400
 * and an error per instance naming its index and field. Rows go through the request's
 * RequestContext, the same path as GraphQL's.
 */
export async function registerTfServing(app: FastifyInstance, deps: RestDeps): Promise<void> {
  await app.register(async (scope) => {
    await restScope(scope, deps);
    // The action is part of the last segment (`iris:predict`), which a route pattern cannot split.
    for (const url of ['/v1/models/:action', '/v1/models/:model/versions/:action']) {
      scope.post(url, { config: ADMITTED }, (request: FastifyRequest<{ Params: PredictParams }>, reply) =>
        handleRest('tf-serving', request, reply, deps, (context) => predict(request, deps, context)),
      );
    }
  });
}

async function predict(request: FastifyRequest<{ Params: PredictParams }>, deps: RestDeps, context: RequestContext) {
  const match = /^(.+):predict$/.exec(request.params.action);
  if (!match)
    throw new RestRequestError(
      `Unknown method "${request.params.action.slice(0, 64)}": the URL must end in :predict`,
      404,
      'NOT_FOUND',
    );
  const name = request.params.model ?? match[1];
  const version = versionParam(request.params.model === undefined ? undefined : match[1]);
  const body = parseJsonBody(request.body as Buffer | undefined, deps) as PredictRequest;
  const shapes =
    typeof body === 'object' && body !== null ? ['instances', 'inputs'].filter((key) => key in body).length : 0;
  if (shapes !== 1)
    throw new RestRequestError(
      'The body must be an object with either "instances" (one object per row) or "inputs" (one list per field)',
    );
  const violation = protocolViolation('tf#predict_request', body);
  if (violation) throw new RestRequestError(violation);
  const model = context.repository.get(name, version);
  const columnar = body.instances === undefined;
  const items = columnar
    ? instancesOfColumns(model, body.inputs as PredictRequest['inputs'])
    : (body.instances as unknown[]);
  const result = await context.predictWhole(model.name, model.version, items);
  if ('invalid' in result) throw invalidInstances(result.invalid);
  const predictions = result.predictions.map((p) => shown(p));
  if (!columnar) return { predictions };
  const keys = predictions.length > 0 ? Object.keys(predictions[0]) : [];
  return { outputs: Object.fromEntries(keys.map((key) => [key, predictions.map((p) => p[key])])) };
}

/** Columnar input as instances: one list per field (same lengths), or a plain list for a one-field contract. */
function instancesOfColumns(model: LoadedModel, inputs: PredictRequest['inputs']): unknown[] {
  const fields = model.config.inputs.flatMap((spec) => spec.fields.map((f) => f.name));
  if (Array.isArray(inputs)) {
    if (fields.length !== 1)
      throw new RestRequestError(
        `inputs: a plain list needs a model with one field; ${model.name} has ${fields.join(', ')}: give an object of one list per field`,
      );
    return inputs.map((value) => ({ [fields[0]]: value }));
  }
  const columns = Object.entries(inputs ?? {});
  let rows: number | undefined;
  for (const [field, values] of columns) {
    if (!Array.isArray(values))
      throw new RestRequestError(`inputs.${field} must be a list with one value per instance`);
    if (rows !== undefined && values.length !== rows)
      throw new RestRequestError(`inputs.${field} has ${values.length} values, the other fields ${rows}`);
    rows = values.length;
  }
  return Array.from({ length: rows ?? 0 }, (_, i) =>
    Object.fromEntries(columns.map(([field, values]) => [field, (values as unknown[])[i]])),
  );
}

/** One prediction as the contract means it: class fields for a classifier, else its outputs by field name. */
function shown(prediction: Prediction): Record<string, unknown> {
  if (prediction.label === undefined) return { ...prediction.outputs };
  return {
    label: prediction.label,
    classIndex: prediction.classIndex,
    confidence: prediction.confidence,
    probabilities: prediction.probabilities,
  };
}

/** The 400 of a request with bad instances: the first in `error`, each in `errors` by index and field. */
function invalidInstances(invalid: ReadonlyArray<InferenceError | undefined>): RestRequestError {
  const errors = invalid.flatMap((error, index) =>
    error ? [{ index, field: String(error.details.field ?? ''), message: error.message }] : [],
  );
  return new RestRequestError(errors[0]?.message ?? 'invalid input', 400, 'BAD_USER_INPUT', { errors });
}
