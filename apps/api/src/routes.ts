import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from './metrics.js';
import { registerPlayground } from './playground.js';

const DEFAULT_QUERY = `# Predict an iris species from four measurements (cm).
query Iris {
  iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) {
    label
    confidence
    top(k: 3) { label score }
  }
  models { name state description }
}
`;

/**
 * GET /metrics (Prometheus text; without `metrics`, it is served elsewhere or not at all) and, when
 * enabled, the offline playground at /playground (/ redirects there).
 */
export async function registerRoutes(
  app: FastifyInstance,
  options: { metrics?: ApiMetrics; playground: boolean },
): Promise<void> {
  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  }
  if (options.playground) {
    await registerPlayground(app, {
      endpoint: '/graphql',
      title: 'mserve GraphQL playground',
      defaultQuery: DEFAULT_QUERY,
    });
    app.get('/', async (_request, reply) => reply.redirect('/playground'));
  }
}
