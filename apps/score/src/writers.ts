import { createWriteStream, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { ModelConfig, Prediction } from '@mserve/inference';
import type { OutputFormat } from './cli-options.js';
import { trackPartial, untrackPartial } from './partial-files.js';
import type { KeyColumn } from './row-preparer.js';
import type { RejectedRow, ScoredRow } from './scorer.js';

/** Turns chunks of scored rows into output text; the first chunk may carry a header. */
export interface RowFormatter {
  format(rows: readonly ScoredRow[], key: KeyColumn): string;
}

/**
 * A file written under `<path>.partial` and renamed to `<path>` only by `publishSync`, so a failed or
 * interrupted run never leaves output that looks complete. `-` writes to the given stdout instead
 * (nothing to rename: the consumer learns of a failure from the exit code).
 */
export class OutputFile {
  private failure: Error | undefined;

  private constructor(
    private readonly stream: Writable,
    private readonly path: string | undefined,
  ) {
    stream.on('error', (error: Error) => (this.failure ??= error));
  }

  /** Opens `path` (or stdout for `-`); rejects if the `.partial` file cannot be created. */
  static async open(path: string, stdout: Writable): Promise<OutputFile> {
    if (path === '-') return new OutputFile(stdout, undefined);
    trackPartial(`${path}.partial`);
    const stream = createWriteStream(`${path}.partial`, { highWaterMark: 1024 * 1024 });
    const file = new OutputFile(stream, path);
    // once() rejects if 'error' comes first; the constructor's listener has recorded it by then.
    await once(stream, 'open').catch(() => undefined);
    file.check();
    return file;
  }

  /** Appends `text`; resolves once the stream can take more, so a slow disk slows the reading. */
  async write(text: string): Promise<void> {
    this.check();
    if (text.length === 0) return;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Flushes and closes `<path>.partial`; `publishSync` then makes it `<path>`. */
  async flush(): Promise<void> {
    this.check();
    if (this.path === undefined) return;
    this.stream.end();
    await finished(this.stream);
  }

  /**
   * Renames `<path>.partial` to `<path>` after `flush`. Synchronous on purpose: the caller checks
   * for an interrupt and publishes in one turn of the event loop, so no signal handler runs between
   * the check and the rename.
   */
  publishSync(): void {
    this.check();
    if (this.path === undefined) return;
    renameSync(`${this.path}.partial`, this.path);
    untrackPartial(`${this.path}.partial`);
  }

  /** Closes and deletes `<path>.partial`. Never rejects. */
  async abort(): Promise<void> {
    if (this.path === undefined) return;
    this.stream.destroy();
    await rm(`${this.path}.partial`, { force: true }).catch(() => undefined);
    untrackPartial(`${this.path}.partial`);
  }

  private check(): void {
    if (this.failure)
      throw new Error(`cannot write ${this.path ?? 'stdout'}: ${this.failure.message}`, { cause: this.failure });
  }
}

/** The formatter of `format` for a model: class columns come from its labels. */
export function createFormatter(format: OutputFormat, config: ModelConfig): RowFormatter {
  return format === 'csv' ? new CsvFormatter(config) : new JsonlFormatter();
}

/**
 * One JSON object per row: `{"id"|"line": …, "label", "classIndex", "confidence", "probabilities"}`
 * for a classification model, `{"id"|"line": …, "outputs": {…}}` for any other. Built by template
 * rather than JSON.stringify of a fresh object: this runs once per row on the main thread.
 */
class JsonlFormatter implements RowFormatter {
  format(rows: readonly ScoredRow[], key: KeyColumn): string {
    let text = '';
    for (const { key: value, prediction: p } of rows) {
      const head = `{"${key}":${JSON.stringify(value)}`;
      text +=
        p.label === undefined
          ? `${head},"outputs":${JSON.stringify(p.outputs)}}\n`
          : `${head},"label":${JSON.stringify(p.label)},"classIndex":${p.classIndex},"confidence":${number(p.confidence)},"probabilities":${JSON.stringify(p.probabilities)}}\n`;
    }
    return text;
  }
}

/**
 * CSV with a header: `id|line, label, classIndex, confidence, p_<label>…` (one probability column
 * per class, so a spreadsheet can sort or chart them), or `id|line` and one JSON-array column per
 * output for a model that is not a classifier.
 */
class CsvFormatter implements RowFormatter {
  private headerWritten = false;
  private readonly classColumns: string[] | undefined;
  private readonly outputNames: string[];

  constructor(config: ModelConfig) {
    this.outputNames = Object.keys(config.outputs);
    this.classColumns =
      config.task === 'classification' && config.labels ? config.labels.map((label) => `p_${label}`) : undefined;
  }

  format(rows: readonly ScoredRow[], key: KeyColumn): string {
    const records = rows.map(({ key: value, prediction }) => [value, ...this.fields(prediction)]);
    if (!this.headerWritten) {
      this.headerWritten = true;
      const columns = this.classColumns
        ? ['label', 'classIndex', 'confidence', ...this.classColumns]
        : this.outputNames;
      records.unshift([key, ...columns]);
    }
    return stringify(records);
  }

  private fields(p: Prediction): unknown[] {
    if (this.classColumns && p.label !== undefined)
      return [p.label, p.classIndex, p.confidence, ...(p.probabilities ?? [])];
    return this.outputNames.map((name) => JSON.stringify(p.outputs[name]));
  }
}

/** Rejected rows as JSON lines `{"line", "id"?, "field", "code", "reason"}`; never the row's values. */
export function formatRejects(rows: readonly RejectedRow[]): string {
  let text = '';
  for (const row of rows) {
    const id = row.id === undefined ? '' : `,"id":${JSON.stringify(row.id)}`;
    text += `{"line":${row.line}${id},"field":${JSON.stringify(row.field)},"code":${JSON.stringify(row.code)},"reason":${JSON.stringify(row.reason)}}\n`;
  }
  return text;
}

function number(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value) ? String(value) : 'null';
}
