import { Ajv, type ValidateFunction } from 'ajv';
import { KSERVE_V2_SCHEMAS, type KserveV2Message } from './kserve-v2.js';
import { TF_SERVING_SCHEMAS, type TfServingMessage } from './tf-serving.js';

/** A message name of either REST protocol. */
export type ProtocolMessage = KserveV2Message | TfServingMessage;

// One Ajv for every protocol schema, compiled once; strict mode refuses a schema with a typo in it
// (strictRequired aside: the binary extension's `anyOf` branches require members declared beside them).
const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
for (const schema of [...KSERVE_V2_SCHEMAS, ...TF_SERVING_SCHEMAS]) ajv.addSchema(schema as object);

/** The compiled validator of one message. */
export function validatorFor(message: ProtocolMessage): ValidateFunction {
  const validate = ajv.getSchema(message);
  if (!validate) throw new Error(`no protocol schema ${message}`);
  return validate;
}

/** Why `value` is not a valid `message`, in one line naming the member (`body/inputs/0 must have …`); undefined when it is. */
export function protocolViolation(message: ProtocolMessage, value: unknown): string | undefined {
  const validate = validatorFor(message);
  if (validate(value)) return undefined;
  return ajv.errorsText(validate.errors, { dataVar: 'body' });
}
