import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment as DeploymentModel } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap as ConfigMapType, Container, Probe } from 'kubernetes-types/core/v1.js';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { SETTING_ENV_VARS, loadConfig } from '../config.js';

/** One rendered Kubernetes object, as `kubectl kustomize` prints it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

export const K8S_ROOT = fileURLToPath(new URL('../../../../deploy/k8s/', import.meta.url));

/**
 * Renders a kustomization (a folder of deploy/k8s) with `kubectl kustomize`, the same build that
 * `kubectl apply -k` runs. The kustomizations use only fields that kubectl 1.20 (Debian's) and
 * today's read alike.
 */
export function renderKustomization(folder: string): K8sObject[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', join(K8S_ROOT, folder)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(
      `kubectl kustomize ${folder} failed (is kubectl installed? .ci/run installs Debian's kubernetes-client): ${(error as Error).message}`,
    );
  }
  return parseAllDocuments(text).map((doc) => doc.toJSON() as K8sObject);
}

// Each kind the manifests use, with its kubernetes-models class (JSON schema) and the module and
// name of its kubernetes-types type (compile-time keys).
const KINDS: Record<string, { model: new (data: never) => { validate(): void }; types: string; type: string }> = {
  'v1/ConfigMap': { model: ConfigMap, types: 'kubernetes-types/core/v1', type: 'ConfigMap' },
  'v1/Service': { model: Service, types: 'kubernetes-types/core/v1', type: 'Service' },
  'apps/v1/Deployment': { model: DeploymentModel, types: 'kubernetes-types/apps/v1', type: 'Deployment' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    types: 'kubernetes-types/autoscaling/v2',
    type: 'HorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    types: 'kubernetes-types/policy/v1',
    type: 'PodDisruptionBudget',
  },
};

const kindOf = (object: K8sObject) => `${object.apiVersion}/${object.kind}`;

/** Validates every object against the Kubernetes API's JSON schema (kubernetes-models): types, enums, required fields. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const kind = KINDS[kindOf(object)];
    if (!kind) return [`${kindOf(object)} ${object.metadata.name}: no schema known for this kind`];
    try {
      new kind.model(object as never).validate();
      return [];
    } catch (error) {
      return [`${kindOf(object)} ${object.metadata.name}: ${(error as Error).message}`];
    }
  });
}

/**
 * Compiles every object as a literal of its kubernetes-types 1.30 type, so a misspelt or unknown
 * key anywhere is an excess-property error (the JSON schemas allow unknown keys).
 */
export function typeProblems(objects: readonly K8sObject[]): string[] {
  const file = fileURLToPath(new URL('./k8s-manifests.generated.ts', import.meta.url));
  const imports = new Map<string, Set<string>>();
  const body = objects.map((object, i) => {
    const kind = KINDS[kindOf(object)];
    if (!kind) return `// ${kindOf(object)}: unknown kind`;
    const names = imports.get(kind.types) ?? new Set<string>();
    imports.set(kind.types, names.add(kind.type));
    return `export const object${i}: ${kind.type} = ${JSON.stringify(object, null, 2)};`;
  });
  const source = [
    ...[...imports].map(([module, names]) => `import type { ${[...names].join(', ')} } from '${module}';`),
    ...body,
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  // Name the object a diagnostic falls in: the last `object<i>` declared at or before its line.
  const starts = source.split('\n').flatMap((line, n) => {
    const match = /^export const object(\d+)/.exec(line);
    return match ? [{ n, object: objects[Number(match[1])] }] : [];
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const object = starts.filter((s) => s.n <= line).at(-1)?.object;
    const where = object ? `${kindOf(object)} ${object.metadata.name}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** What the real server offers, to check the manifests against. */
export interface ServerFacts {
  /** True when the server has a GET route for this path. */
  hasGetRoute(path: string): boolean;
}

/**
 * Checks the manifests against the server: probe paths are real GET routes, probe and Service
 * ports reach the port the server listens on, every env var is a setting of config.ts with a value
 * it accepts, the termination grace outlasts preStop + lame duck + drain, and the Service, HPA and
 * PDB point at the Deployment's pods.
 */
export function serverProblems(objects: readonly K8sObject[], server: ServerFacts): string[] {
  const problems: string[] = [];
  const configMaps = new Map(
    objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o as unknown as ConfigMapType]),
  );
  const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as Deployment[];
  if (deployments.length !== 1) problems.push(`expected one Deployment, found ${deployments.length}`);
  for (const deployment of deployments) {
    const pod = deployment.spec?.template.spec;
    const labels = deployment.spec?.template.metadata?.labels ?? {};
    for (const container of pod?.containers ?? []) {
      const env = containerEnv(container, configMaps, problems);
      for (const name of Object.keys(env))
        if (!SETTING_ENV_VARS.includes(name)) problems.push(`env ${name} is not a setting of apps/api/src/config.ts`);
      let port = 4000;
      try {
        port = loadConfig([], env).port;
      } catch (error) {
        problems.push(`the server refuses the settings: ${(error as Error).message}`);
      }
      const ports = new Map((container.ports ?? []).map((p) => [p.name ?? String(p.containerPort), p.containerPort]));
      if (![...ports.values()].includes(port))
        problems.push(`container ${container.name} does not expose the server's port ${port}`);
      for (const [which, probe] of Object.entries({
        startupProbe: container.startupProbe,
        readinessProbe: container.readinessProbe,
        livenessProbe: container.livenessProbe,
      })) {
        problems.push(...probeProblems(`${container.name}.${which}`, probe, ports, port, server));
      }
      const preStop = container.lifecycle?.preStop?.exec?.command;
      const pauseMs =
        preStop?.[0] === 'sleep'
          ? Number(preStop[1]) * 1000
          : (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
      const config = safeConfig(env);
      const needMs = pauseMs + (config?.shutdownDelayMs ?? 0) + (config?.shutdownGraceMs ?? 0);
      const graceMs = (pod?.terminationGracePeriodSeconds ?? 30) * 1000;
      if (graceMs <= needMs)
        problems.push(
          `terminationGracePeriodSeconds (${graceMs} ms) must exceed preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS (${needMs} ms)`,
        );
      for (const service of objects.filter((o) => o.kind === 'Service') as Array<
        K8sObject & { spec: { ports: Array<{ targetPort: string | number }> } }
      >) {
        for (const { targetPort } of service.spec.ports)
          if (!ports.has(String(targetPort)) && ![...ports.values()].includes(Number(targetPort)))
            problems.push(`Service ${service.metadata.name} targets port ${targetPort}, which the container lacks`);
      }
    }
    for (const object of objects.filter((o) => ['Service', 'PodDisruptionBudget'].includes(o.kind))) {
      const spec = object.spec as { selector?: Record<string, string> & { matchLabels?: Record<string, string> } };
      const selector = object.kind === 'Service' ? spec.selector : spec.selector?.matchLabels;
      if (!selector || Object.entries(selector).some(([k, v]) => labels[k] !== v))
        problems.push(`${object.kind} ${object.metadata.name} does not select the Deployment's pods`);
    }
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      if (target.kind !== 'Deployment' || target.name !== deployment.metadata?.name)
        problems.push(
          `HorizontalPodAutoscaler ${hpa.metadata.name} scales ${target.kind}/${target.name}, not the Deployment`,
        );
    }
  }
  return problems;
}

/** The env of a container: its envFrom ConfigMaps, then its own `env` entries. */
export function containerEnv(
  container: Container,
  configMaps: Map<string, ConfigMapType>,
  problems: string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const map = name === undefined ? undefined : configMaps.get(name);
    if (!map) problems.push(`envFrom names ConfigMap ${name}, which the manifests lack`);
    Object.assign(env, map?.data ?? {});
  }
  for (const entry of container.env ?? []) if (entry.value !== undefined) env[entry.name] = entry.value;
  return env;
}

function probeProblems(
  where: string,
  probe: Probe | undefined,
  ports: Map<string, number>,
  serverPort: number,
  server: ServerFacts,
): string[] {
  if (!probe) return [`${where} is missing`];
  const get = probe.httpGet;
  if (!get) return [`${where} is not an httpGet probe`];
  const problems: string[] = [];
  const path = get.path ?? '/';
  if (!server.hasGetRoute(path)) problems.push(`${where} probes ${path}, which the server has no GET route for`);
  const port = typeof get.port === 'number' ? get.port : ports.get(get.port);
  if (port !== serverPort) problems.push(`${where} probes port ${get.port}, not the server's port ${serverPort}`);
  return problems;
}

function safeConfig(env: Record<string, string>) {
  try {
    return loadConfig([], env);
  } catch {
    return undefined;
  }
}
