import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRepository } from './model-repository.js';
import { silentLogger, type Logger } from './observability.js';

export interface WatcherOptions {
  /** The repository's folder (`<name>/config.json`, `<name>/<version>/model.onnx`). */
  root: string;
  /** Watch only these models (default: every folder under root). */
  only?: readonly string[];
  /** Time between two looks at the folder. */
  intervalMs: number;
  logger?: Logger;
}

/** What the folder holds for one model: a fingerprint of config.json and of each version's model.onnx. */
interface DiskModel {
  config: string;
  versions: Map<number, string>;
}

/**
 * Keeps a ModelRepository in step with its folder, polling it (Triton's `--model-control-mode=poll`):
 * a new version folder is loaded, warmed and then served; a version whose folder went away stops
 * taking rows, drains and is disposed; a changed config.json reloads every version of its model,
 * a changed model.onnx its version, each replacing the old one only once loaded; a new model folder
 * appears as a model, a removed one is unloaded. What fails to load never replaces what serves
 * (see ModelRepository.loadVersions). Files are told apart by size and modification time, so a
 * folder should be moved in whole (a rename), not written in place.
 */
export class RepositoryWatcher {
  private known = new Map<string, DiskModel>();
  /** Models unloaded by the control API: left alone until loaded again. */
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: ModelRepository,
    private readonly options: WatcherOptions,
  ) {}

  /**
   * Takes the folder as the repository loaded it (what changed since, or the repository does not
   * hold, is loaded by the first pass), then looks again every `intervalMs`.
   */
  async start(): Promise<void> {
    const held = new Map(
      this.repository.list().map((entry) => [entry.name, new Set(entry.versions.map((v) => v.version))]),
    );
    for (const [name, model] of await this.scan()) {
      const versions = held.get(name);
      if (!versions) continue;
      this.known.set(name, {
        config: model.config,
        versions: new Map([...model.versions].filter(([version]) => versions.has(version))),
      });
    }
    this.timer = setInterval(() => void this.sync(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops polling; resolves once a pass under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One pass over the folder (passes never overlap). Never rejects: a failure is logged. */
  sync(): Promise<void> {
    this.pass = this.pass
      .then(() => this.syncNow())
      .catch((error: unknown) =>
        (this.options.logger ?? silentLogger).error({ err: error }, 'model repository poll failed'),
      );
    return this.pass;
  }

  /** Loads `name` from the folder now, every version, whatever changed (the control API's load). */
  async load(name: string): Promise<void> {
    this.held.delete(name);
    this.known.delete(name);
    await this.sync();
  }

  /** Unloads every version of `name` and leaves it alone until `load` (the control API's unload). */
  async unload(name: string): Promise<void> {
    this.held.add(name);
    this.pass = this.pass.then(() => this.repository.removeModel(name));
    await this.pass;
  }

  private async syncNow(): Promise<void> {
    const disk = await this.scan();
    const names = new Set([...this.known.keys(), ...disk.keys()]);
    for (const name of names) {
      if (this.held.has(name)) continue;
      const now = disk.get(name);
      const before = this.known.get(name);
      if (!now) {
        await this.repository.removeModel(name);
        this.known.delete(name);
        continue;
      }
      const changed = !before || before.config !== now.config;
      const load = [...now.versions]
        .filter(([version, print]) => changed || before?.versions.get(version) !== print)
        .map(([version]) => version);
      const gone = before ? [...before.versions.keys()].filter((version) => !now.versions.has(version)) : [];
      if (load.length > 0) {
        (this.options.logger ?? silentLogger).info(
          { model: name, versions: load },
          'model repository changed: loading',
        );
        await this.repository.loadVersions(name, load);
      }
      for (const version of gone) await this.repository.unloadVersion(name, version);
      this.known.set(name, now);
    }
  }

  private async scan(): Promise<Map<string, DiskModel>> {
    const { root, only } = this.options;
    const found = new Map<string, DiskModel>();
    const names = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && (!only || only.includes(d.name)))
      .map((d) => d.name);
    for (const name of names) {
      const folder = join(root, name);
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      const versions = new Map<number, string>();
      for (const d of entries) {
        if (d.isDirectory() && /^[1-9][0-9]*$/.test(d.name))
          versions.set(Number(d.name), await fingerprint(join(folder, d.name, 'model.onnx')));
      }
      found.set(name, { config: await fingerprint(join(folder, 'config.json')), versions });
    }
    return found;
  }
}

/** Size and modification time of a file, or `missing`. */
async function fingerprint(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
