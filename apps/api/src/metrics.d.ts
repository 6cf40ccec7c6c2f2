import type { InferenceMetrics, ModelObserver } from '@mserve/inference';
import { Counter, Registry } from 'prom-client';
/**
 * The Prometheus metrics of the server (names fixed by the design: dashboards rely on them), plus
 * Node's default process metrics. One instance per server, never a global registry.
 */
export declare class ApiMetrics implements InferenceMetrics {
    readonly registry: Registry<"text/plain; version=0.0.4; charset=utf-8">;
    private readonly rows;
    private readonly executions;
    private readonly batchSize;
    private readonly queueSeconds;
    private readonly computeSeconds;
    private readonly restarts;
    /** Each model version's rows waiting, as its batcher last reported them; published at scrape time. */
    private readonly pendingRows;
    private readonly pending;
    readonly refused: Counter<"reason">;
    private readonly operations;
    private readonly operationSeconds;
    private readonly requestSeconds;
    private readonly requestSecondsOf;
    private readonly operationOf;
    constructor();
    /** Records one GraphQL operation (graphql_operations_total and graphql_operation_seconds). */
    operationDone(outcome: string, seconds: number): void;
    /** Records one answered /graphql request (see http_request_duration_seconds). */
    requestAnswered(status: number, seconds: number): void;
    forModel(name: string, version: number): ModelObserver;
}
//# sourceMappingURL=metrics.d.ts.map