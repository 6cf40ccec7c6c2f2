import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { apiErrorReply } from './errors.js';

/** The request ids taken from a client's `x-request-id`; anything else gets a generated one. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The request id: the client's `x-request-id` when it is a safe id (REQUEST_ID_PATTERN), else a
 * new UUID, so a log line or response header never carries what a client chose to put there.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** `url` without its query string, for logs: a query string can hold a whole GraphQL request. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const at = url.indexOf('?');
  return at < 0 ? url : `${url.slice(0, at)}?…`;
}

/**
 * An error as the log should hold it: type, code, message and stack, with any URL in it cut before
 * its query string (Node's URL errors keep the raw input as a property).
 */
export function loggableError(error: Error & { code?: unknown }): Record<string, unknown> {
  const cut = (text: string | undefined) => text?.replace(/(\/[^\s?'"]*)\?[^\s'"]*/g, '$1?…');
  return {
    type: error.name,
    ...(error.code !== undefined ? { code: error.code } : {}),
    message: cut(error.message),
    stack: cut(error.stack),
  };
}

/** Routes a balancer's HTTP/1.0 health check may call without a Host header. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Host values already found valid; clients repeat theirs on every request, so it is parsed once.
 * Bounded in count and length (a DNS name is at most 253 characters), so clients cannot grow it.
 */
const KNOWN_HOSTS = new Set<string>();
const KNOWN_HOSTS_MAX = 256;
const KNOWN_HOST_LENGTH = 300;

function isHost(host: string | undefined): boolean {
  if (typeof host !== 'string' || host === '') return false;
  if (KNOWN_HOSTS.has(host)) return true;
  if (!URL.canParse(`http://${host}/`)) return false;
  if (KNOWN_HOSTS.size < KNOWN_HOSTS_MAX && host.length <= KNOWN_HOST_LENGTH) KNOWN_HOSTS.add(host);
  return true;
}

/**
 * Guards for every route, before routing work: the request id echoed in `x-request-id` (so a
 * client can quote it when reporting a problem), `x-content-type-options: nosniff` on every
 * response, and a 400 for a request whose Host header is not a host (Node refuses a missing one
 * from HTTP/1.1 itself; an empty or malformed one would reach URL parsing in the GraphQL
 * integration and fail as a 500). An HTTP/1.0 request without Host is refused too, except on the
 * probes.
 */
export function registerHttpGuards(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
    const host = request.headers.host;
    // HTTP/1.0 has no Host header, and balancers' health checks (HAProxy's httpchk) send such requests.
    if (host === undefined && request.raw.httpVersion === '1.0' && PROBES.has(request.url)) return done();
    if (isHost(host)) return done();
    const { status, body } = apiErrorReply('BAD_HOST');
    void reply.status(status).header('connection', 'close').send(body);
  });
}
