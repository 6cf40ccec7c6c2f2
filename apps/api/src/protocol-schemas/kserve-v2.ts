/**
 * The messages of the Open Inference Protocol (KServe v2) REST API as JSON Schema, written from
 * kserve's docs/predict-api/v2 (required_api.md and rest_predict_v2.yaml) with Triton's binary
 * tensor data extension (a tensor's `data` may be replaced by `parameters.binary_data_size`) and
 * repository extension (index, load, unload). Extra members are allowed, as the protocol allows.
 * The server checks requests against these; the tests check every request and response.
 */

/** Every datatype the protocol names (the server serves those of its dtype table). */
export const V2_DATATYPE_NAMES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

const parameters = {
  $id: 'v2#parameters',
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
} as const;

const tensorData = {
  $id: 'v2#tensor_data',
  type: 'array',
  items: { anyOf: [{ $ref: 'v2#tensor_data' }, { type: 'number' }, { type: 'string' }, { type: 'boolean' }] },
} as const;

/** A tensor in a request or a response: its elements in `data`, or after the JSON (binary extension). */
const tensor = (id: string) =>
  ({
    $id: id,
    type: 'object',
    required: ['name', 'shape', 'datatype'],
    properties: {
      name: { type: 'string' },
      shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
      datatype: { enum: V2_DATATYPE_NAMES },
      parameters: {
        allOf: [
          { $ref: 'v2#parameters' },
          { type: 'object', properties: { binary_data_size: { type: 'integer', minimum: 0 } } },
        ],
      },
      data: { $ref: 'v2#tensor_data' },
    },
    anyOf: [
      { required: ['data'] },
      { required: ['parameters'], properties: { parameters: { type: 'object', required: ['binary_data_size'] } } },
    ],
  }) as const;

const requestOutput = {
  $id: 'v2#request_output',
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    parameters: {
      allOf: [{ $ref: 'v2#parameters' }, { type: 'object', properties: { binary_data: { type: 'boolean' } } }],
    },
  },
} as const;

const inferenceRequest = {
  $id: 'v2#inference_request',
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: {
      allOf: [{ $ref: 'v2#parameters' }, { type: 'object', properties: { binary_data_output: { type: 'boolean' } } }],
    },
    inputs: { type: 'array', minItems: 1, items: { $ref: 'v2#request_input' } },
    outputs: { type: 'array', items: { $ref: 'v2#request_output' } },
  },
} as const;

const inferenceResponse = {
  $id: 'v2#inference_response',
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    parameters: { $ref: 'v2#parameters' },
    outputs: { type: 'array', items: { $ref: 'v2#response_output' } },
  },
} as const;

const errorResponse = {
  $id: 'v2#error_response',
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
} as const;

const serverMetadataResponse = {
  $id: 'v2#metadata_server_response',
  type: 'object',
  required: ['name', 'version', 'extensions'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    extensions: { type: 'array', items: { type: 'string' } },
  },
} as const;

const metadataTensor = {
  $id: 'v2#metadata_tensor',
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  // -1 marks a dim of any size (the batch axis).
  properties: {
    name: { type: 'string' },
    datatype: { enum: V2_DATATYPE_NAMES },
    shape: { type: 'array', items: { type: 'integer', minimum: -1 } },
  },
} as const;

const modelMetadataResponse = {
  $id: 'v2#metadata_model_response',
  type: 'object',
  required: ['name', 'platform', 'inputs', 'outputs'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: { $ref: 'v2#metadata_tensor' } },
    outputs: { type: 'array', items: { $ref: 'v2#metadata_tensor' } },
  },
} as const;

const liveResponse = {
  $id: 'v2#server_live_response',
  type: 'object',
  required: ['live'],
  properties: { live: { type: 'boolean' } },
} as const;
const readyResponse = {
  $id: 'v2#server_ready_response',
  type: 'object',
  required: ['ready'],
  properties: { ready: { type: 'boolean' } },
} as const;
const modelReadyResponse = {
  $id: 'v2#model_ready_response',
  type: 'object',
  required: ['name', 'ready'],
  properties: { name: { type: 'string' }, ready: { type: 'boolean' } },
} as const;

const repositoryIndexRequest = {
  $id: 'v2#repository_index_request',
  type: 'object',
  properties: { ready: { type: 'boolean' } },
} as const;
const repositoryIndexResponse = {
  $id: 'v2#repository_index_response',
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string' },
      version: { type: 'string' },
      state: { type: 'string' },
      reason: { type: 'string' },
    },
  },
} as const;

/** Every schema of the protocol, each with its `$id` (`v2#<message>`). */
export const KSERVE_V2_SCHEMAS = [
  parameters,
  tensorData,
  tensor('v2#request_input'),
  tensor('v2#response_output'),
  requestOutput,
  inferenceRequest,
  inferenceResponse,
  errorResponse,
  serverMetadataResponse,
  metadataTensor,
  modelMetadataResponse,
  liveResponse,
  readyResponse,
  modelReadyResponse,
  repositoryIndexRequest,
  repositoryIndexResponse,
] as const;

/** The `$id`s of the messages, for `validatorFor`. */
export type KserveV2Message = (typeof KSERVE_V2_SCHEMAS)[number]['$id'];
