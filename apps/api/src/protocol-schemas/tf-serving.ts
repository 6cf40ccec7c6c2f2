/**
 * The messages of TF Serving's REST predict API as JSON Schema (tensorflow.org/tfx/serving/api_rest):
 * a request holds `instances` (row format: here one object of the contract's named fields per row)
 * or `inputs` (columnar: one list per field, or a plain list for a one-field contract); a response
 * holds `predictions` (rows) or `outputs` (columns); a failure holds `error`.
 */
const predictRequest = {
  $id: 'tf#predict_request',
  type: 'object',
  properties: {
    signature_name: { type: 'string' },
    instances: { type: 'array' },
    inputs: { type: ['object', 'array'] },
  },
  oneOf: [{ required: ['instances'] }, { required: ['inputs'] }],
} as const;

const predictResponse = {
  $id: 'tf#predict_response',
  type: 'object',
  properties: {
    predictions: { type: 'array', items: { type: 'object' } },
    outputs: { type: 'object', additionalProperties: { type: 'array' } },
  },
  oneOf: [{ required: ['predictions'] }, { required: ['outputs'] }],
} as const;

const errorResponse = {
  $id: 'tf#error_response',
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    // Per-instance errors of a bad request: which instance, which field, why.
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'field', 'message'],
        properties: { index: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** Every schema of TF Serving's predict API, each with its `$id` (`tf#<message>`). */
export const TF_SERVING_SCHEMAS = [predictRequest, predictResponse, errorResponse] as const;

export type TfServingMessage = (typeof TF_SERVING_SCHEMAS)[number]['$id'];
