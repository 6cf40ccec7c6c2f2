import { protocolViolation, type ProtocolMessage } from '../protocol-schemas/validator.js';

/** A REST answer: status, headers, the JSON part, and the binary tensor data after it (KServe's extension). */
export interface RestAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  binary: Buffer;
}

/** Fails the test unless `value` is a valid `message` of its protocol (the schemas the server uses). */
export function checkMessage(message: ProtocolMessage, value: unknown): void {
  const violation = protocolViolation(message, value);
  if (violation) throw new Error(`not a valid ${message}: ${violation}\n${JSON.stringify(value).slice(0, 500)}`);
}

/**
 * Sends one REST request: `json` checked against `request` first when given, and the answer checked
 * against `response` (or the protocol's error message for a status ≥ 400). `binary` follows the JSON
 * with `inference-header-content-length`, as Triton's clients send it.
 */
export async function rest<T = unknown>(
  url: string,
  options: {
    method?: string;
    json?: unknown;
    binary?: Buffer[];
    headers?: Record<string, string>;
    request?: ProtocolMessage;
    response?: ProtocolMessage;
    error?: ProtocolMessage;
  },
): Promise<RestAnswer<T>> {
  if (options.request && options.json !== undefined) checkMessage(options.request, options.json);
  const headers: Record<string, string> = { ...options.headers };
  let body: Buffer | undefined;
  if (options.json !== undefined) {
    const json = Buffer.from(JSON.stringify(options.json), 'utf8');
    if (options.binary) {
      body = Buffer.concat([json, ...options.binary]);
      headers['content-type'] = 'application/octet-stream';
      headers['inference-header-content-length'] = String(json.length);
    } else {
      body = json;
      headers['content-type'] = 'application/json';
    }
  }
  const response = await fetch(url, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const headerLength = response.headers.get('inference-header-content-length');
  const jsonPart = headerLength === null ? bytes : bytes.subarray(0, Number(headerLength));
  const parsed = jsonPart.length > 0 ? (JSON.parse(jsonPart.toString('utf8')) as T) : (undefined as T);
  const answer = {
    status: response.status,
    headers: response.headers,
    body: parsed,
    binary: headerLength === null ? Buffer.alloc(0) : bytes.subarray(Number(headerLength)),
  };
  const schema =
    response.status >= 400
      ? (options.error ?? (options.response?.startsWith('tf#') ? 'tf#error_response' : 'v2#error_response'))
      : options.response;
  if (schema) checkMessage(schema, parsed);
  return answer;
}
