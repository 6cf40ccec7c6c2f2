import type { FastifyInstance } from 'fastify';
import type { BodyAdmission } from './body-admission.js';
import type { ApiMetrics } from './metrics.js';
export interface AdmissionOptions {
    metrics: ApiMetrics;
    /** Body admission: the in-flight count, MAX_BODY_BYTES_IN_FLIGHT and BODY_TIMEOUT_MS. */
    bodies: BodyAdmission;
    /** True once a graceful shutdown has begun. */
    draining: () => boolean;
}
/**
 * The gate in front of /graphql, run before a body is read: while draining, every new request is
 * refused with a retryable 503 (`connection: close` sends the client elsewhere, the listener stays
 * open for probes); otherwise a request that would take the declared body bytes in flight past the
 * limit is refused the same way (see BodyAdmission). Each admitted request is counted until it ends, so
 * shutdown can wait for exactly those, and each answer is timed by status.
 */
export declare function registerAdmission(app: FastifyInstance, options: AdmissionOptions): void;
//# sourceMappingURL=admission.d.ts.map