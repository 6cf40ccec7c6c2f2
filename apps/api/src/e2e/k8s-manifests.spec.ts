import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import { startServer, type TestServer } from './harness.js';
import {
  renderKustomization,
  schemaProblems,
  serverProblems,
  typeProblems,
  type K8sObject,
  type ServerFacts,
} from './k8s-manifests.js';

/**
 * deploy/k8s, rendered by `kubectl kustomize` for each overlay, is checked three ways: against the
 * Kubernetes API schemas (kubernetes-models), as literals of the kubernetes-types 1.30 types (a
 * misspelt key fails to compile), and against the real server (its routes and its settings).
 * Each check is also shown to catch a broken manifest.
 */
const OVERLAYS = ['cpu', 'gpu'] as const;

describe('deploy/k8s manifests', () => {
  let server: TestServer;
  let facts: ServerFacts;
  const rendered = new Map<string, K8sObject[]>();

  beforeAll(async () => {
    server = await startServer({}, { waitReady: false });
    facts = { hasGetRoute: (path) => server.server.app.hasRoute({ method: 'GET', url: path }) };
    for (const overlay of OVERLAYS) rendered.set(overlay, renderKustomization(`overlays/${overlay}`));
  });
  afterAll(() => server?.close());

  const deploymentOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Deployment') as unknown as Deployment;
  const containerOf = (deployment: Deployment): Container => deployment.spec?.template.spec?.containers[0] as Container;
  /** A copy of `objects` with its Deployment edited. */
  const broken = (objects: K8sObject[], edit: (deployment: Deployment) => void): K8sObject[] => {
    const copy = structuredClone(objects);
    edit(deploymentOf(copy));
    return copy;
  };

  test.each(OVERLAYS)('overlay %s renders every kind the base declares', (overlay) => {
    const kinds = rendered
      .get(overlay)!
      .map((o) => o.kind)
      .sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
  });

  test.each(OVERLAYS)('overlay %s passes the Kubernetes API schemas', (overlay) => {
    expect(schemaProblems(rendered.get(overlay)!)).toEqual([]);
  });

  test('every object compiles as its kubernetes-types type; a misspelt key does not', () => {
    const all = OVERLAYS.flatMap((overlay) => rendered.get(overlay)!);
    expect(typeProblems(all)).toEqual([]);

    const misspelt = broken(rendered.get('cpu')!, (d) => {
      const container = containerOf(d) as Container & Record<string, unknown>;
      container.readinesProbe = container.readinessProbe;
      delete container.readinessProbe;
    });
    // The JSON schemas let an unknown key through; only the types catch it.
    expect(schemaProblems(misspelt)).toEqual([]);
    expect(typeProblems(misspelt)).toEqual([
      `apps/v1/Deployment mserve: Object literal may only specify known properties, and '"readinesProbe"' does not exist in type 'Container'.`,
    ]);
  });

  test.each(OVERLAYS)('overlay %s matches the server: probe routes, port, settings, grace, selectors', (overlay) => {
    expect(serverProblems(rendered.get(overlay)!, facts)).toEqual([]);
  });

  test('a probe path the server lacks, a port it does not listen on, an unknown setting and a short grace are caught', () => {
    const objects = rendered.get('cpu')!;
    expect(
      serverProblems(
        broken(objects, (d) => (containerOf(d).readinessProbe!.httpGet!.path = '/ready')),
        facts,
      ),
    ).toEqual(['api.readinessProbe probes /ready, which the server has no GET route for']);
    expect(
      serverProblems(
        broken(objects, (d) => (containerOf(d).livenessProbe!.httpGet!.port = 8080)),
        facts,
      ),
    ).toEqual(["api.livenessProbe probes port 8080, not the server's port 4000"]);
    expect(
      serverProblems(
        broken(objects, (d) => (containerOf(d).env = [{ name: 'SHUTDOWN_GRACE_SECONDS', value: '10' }])),
        facts,
      ),
    ).toEqual(['env SHUTDOWN_GRACE_SECONDS is not a setting of apps/api/src/config.ts']);
    expect(
      serverProblems(
        broken(objects, (d) => (d.spec!.template.spec!.terminationGracePeriodSeconds = 15)),
        facts,
      ),
    ).toEqual([
      'terminationGracePeriodSeconds (15000 ms) must exceed preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS (18000 ms)',
    ]);
  });

  test('the probe paths answer on the real server: /healthz at once, /readyz once the models are warm', async () => {
    const container = deploymentOf(rendered.get('cpu')!).spec!.template.spec!.containers[0]!;
    expect((await fetch(`${server.url}${container.livenessProbe!.httpGet!.path}`)).status).toBe(200);
    await server.server.repository.ready();
    expect((await fetch(`${server.url}${container.readinessProbe!.httpGet!.path}`)).status).toBe(200);
  });

  test('the gpu overlay asks for a GPU and the CUDA provider; the cpu overlay sizes threads to its CPUs', () => {
    const gpu = deploymentOf(rendered.get('gpu')!).spec!.template.spec!;
    expect(gpu.containers[0]!.resources!.limits!['nvidia.com/gpu']).toBe('1');
    const gpuSettings = rendered.get('gpu')!.find((o) => o.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    expect(gpuSettings.data.EXECUTION_PROVIDERS).toBe('cuda');

    const cpu = deploymentOf(rendered.get('cpu')!).spec!.template.spec!.containers[0]!;
    const cpuSettings = rendered.get('cpu')!.find((o) => o.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    const threads = Number(cpuSettings.data.INSTANCES) * Number(cpuSettings.data.THREADS_PER_INSTANCE);
    expect(threads).toBe(Number(cpu.resources!.requests!.cpu));
  });
});
