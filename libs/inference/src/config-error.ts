/**
 * A config.json that does not satisfy the contract, or a model that does not match it; the message
 * names the offending field. A module of its own so that the signature check (on the tensors entry
 * point, which threads load) does not load the contract's JSON Schema validator.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
