import { DTYPES, type ModelConfig } from '@mserve/inference';
import { UsageError } from './exit-codes.js';

/** A contract item ready for `predict`, or why the row's columns could not make one. */
export type MappedRow = { item: Record<string, unknown>; field?: undefined } | { field: string; reason: string };

export interface RowMapperOptions {
  /** Input column → contract field (`--map`); other fields are read from the column of their own name. */
  columnMap: ReadonlyMap<string, string>;
  idColumn: string;
  /** True for CSV: every value is text, converted here by the field's dtype. */
  textValues: boolean;
}

type ValueKind = (typeof DTYPES)[keyof typeof DTYPES]['kind'];

/** Where one contract field's value comes from. */
interface FieldSource {
  field: string;
  column: string;
  kind: ValueKind;
  /** Vector fields: their length and the two accepted spellings of numbered columns (`pixels_0`, `pixels0`). */
  length?: number;
  numbered?: [string[], string[]];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Non-finite spellings become numbers so the library rejects them with its own clear message. */
const NON_FINITE = new Map<string, number>([
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);

/**
 * Turns input rows (values by column) into contract items. Columns map to fields by name, or by
 * `--map`; a vector field comes from one column holding a list (a JSON array in CSV) or from
 * numbered columns `<field>_0 … <field>_<n-1>` (or `<field>0 …`). Every other column, except the
 * id column, is ignored rather than passed on, since `predict` rejects unknown fields.
 * CSV text becomes numbers strictly: decimal or scientific notation only; empty is missing;
 * NaN/Infinity spellings become those numbers; anything else stays text (→ "must be a number").
 */
export class RowMapper {
  private readonly sources: FieldSource[];

  constructor(
    config: ModelConfig,
    private readonly options: RowMapperOptions,
  ) {
    const fieldToColumn = new Map([...options.columnMap].map(([column, field]) => [field, column]));
    this.sources = config.inputs.flatMap((input) =>
      input.fields.map((spec): FieldSource => {
        const column = fieldToColumn.get(spec.name) ?? spec.name;
        const source: FieldSource = { field: spec.name, column, kind: DTYPES[input.dtype].kind };
        if (spec.length === undefined) return source;
        const indices = Array.from({ length: spec.length }, (_, k) => k);
        return {
          ...source,
          length: spec.length,
          numbered: [indices.map((k) => `${column}_${k}`), indices.map((k) => `${column}${k}`)],
        };
      }),
    );
    const known = new Set(this.sources.map((s) => s.field));
    const unknown = [...options.columnMap.values()].filter((field) => !known.has(field));
    if (unknown.length > 0)
      throw new UsageError(
        `--map names ${unknown.map((f) => `"${f}"`).join(', ')}, not a field of the model; its fields are ${[...known].join(', ')}`,
        false,
      );
  }

  /** The contract item of one row, or the first field that could not be read. Never throws. */
  map(values: Record<string, unknown>): MappedRow {
    const item: Record<string, unknown> = {};
    for (const source of this.sources) {
      const value =
        source.length === undefined ? this.scalar(source, values[source.column]) : this.vector(source, values);
      if (value instanceof ColumnProblem) return { field: source.field, reason: value.reason };
      if (value !== undefined) item[source.field] = value;
    }
    return { item };
  }

  /** The row's id (`--id-column`) as a JSON-safe value; null when the row has none. */
  id(values: Record<string, unknown>): string | number | boolean | null {
    const value = values[this.options.idColumn];
    if (value === undefined || value === null) return null;
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    return JSON.stringify(value);
  }

  /** True when the row has the id column: decides, on the first row, whether output rows carry `id` or `line`. */
  hasId(values: Record<string, unknown>): boolean {
    return values[this.options.idColumn] !== undefined;
  }

  /**
   * Columns that hold a numeric vector field as one list (`pixels`): a JSONL reader may read them
   * straight into Float64Arrays (see JsonVectorReader), which the contract codec takes as it
   * takes lists. The id column never, as its value is written out as it is.
   */
  vectorColumns(): Set<string> {
    const numeric = this.sources.filter((s) => s.length !== undefined && s.kind !== 'string' && s.kind !== 'boolean');
    return new Set(numeric.map((s) => s.column).filter((column) => column !== this.options.idColumn));
  }

  /** Columns of `values` that feed no field and are not the id column: reported once, then ignored. */
  ignoredColumns(values: Record<string, unknown>): string[] {
    const used = new Set<string>([this.options.idColumn]);
    for (const source of this.sources) {
      used.add(source.column);
      for (const names of source.numbered ?? []) for (const name of names) used.add(name);
    }
    return Object.keys(values).filter((column) => !used.has(column));
  }

  private scalar(source: FieldSource, value: unknown): unknown {
    if (typeof value === 'bigint') return Number(value);
    if (!this.options.textValues || typeof value !== 'string') return value;
    return fromText(source.kind, value);
  }

  private vector(source: FieldSource, values: Record<string, unknown>): unknown {
    const value = values[source.column];
    if (value !== undefined && value !== null && !(this.options.textValues && value === '')) {
      // A Parquet INT64 list arrives as bigints; checking the first element keeps JSON arrays unscanned.
      if (typeof value !== 'string')
        return Array.isArray(value) && typeof value[0] === 'bigint' ? value.map(Number) : value;
      try {
        const list: unknown = JSON.parse(value);
        if (Array.isArray(list)) return list;
      } catch {
        // Reported below with the expected shape.
      }
      return new ColumnProblem(`must be a JSON array of ${source.length} values in column ${source.column}`);
    }
    const [underscored, plain] = source.numbered as [string[], string[]];
    const names =
      values[underscored[0]] !== undefined ? underscored : values[plain[0]] !== undefined ? plain : undefined;
    if (names === undefined) return undefined;
    const list = new Array<unknown>(names.length);
    for (let k = 0; k < names.length; k++) list[k] = this.scalar(source, values[names[k]]);
    return list;
  }
}

/** A value that could not be read from its column; becomes a rejection of the row. */
class ColumnProblem {
  constructor(readonly reason: string) {}
}

function fromText(kind: ValueKind, text: string): unknown {
  if (kind === 'string') return text;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (kind === 'boolean') {
    const lower = trimmed.toLowerCase();
    return lower === 'true' || lower === '1' ? true : lower === 'false' || lower === '0' ? false : text;
  }
  if (NUMBER.test(trimmed)) return Number(trimmed);
  return NON_FINITE.get(trimmed.toLowerCase()) ?? text;
}
