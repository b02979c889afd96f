export const OUTPUT_MODES = ['table', 'json', 'yaml'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  /** Longer cells are cut with an ellipsis so one long description cannot wreck the table. */
  readonly maxWidth?: number;
}

const GAP = '  ';

/** Aligned columns with an upper-case header row; `(none)` when there are no rows. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row), column.maxWidth)));
  const header = columns.map((column) => column.header.toUpperCase());
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]?.length ?? 0)));
  return [header, ...cells].map((line) => joinPadded(line, widths)).join('\n');
}

function cell(raw: string, maxWidth: number | undefined): string {
  const flat = raw.replace(/\s*\n\s*/g, ' ');
  if (maxWidth === undefined || flat.length <= maxWidth) return flat;
  return `${flat.slice(0, Math.max(0, maxWidth - 1)).trimEnd()}…`;
}

function joinPadded(line: readonly string[], widths: readonly number[]): string {
  // The last column is not padded, so lines carry no trailing spaces.
  return line
    .map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i] ?? 0)))
    .join(GAP)
    .trimEnd();
}

/** The YAML module is loaded on demand: most `attune run` calls print plain stdout and never need it. */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('./yaml.js');
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
}

/** `key: value` lines with aligned values; nested objects and multi-line text as YAML blocks. */
export async function renderKeyValues(record: Readonly<Record<string, unknown>>): Promise<string> {
  const keys = Object.keys(record);
  const width = Math.max(0, ...keys.filter((key) => !isBlock(record[key])).map((key) => key.length + 1));
  const lines: string[] = [];
  for (const key of keys) {
    const value = record[key];
    lines.push(isBlock(value) ? await toYaml({ [key]: value }) : `${`${key}:`.padEnd(width)} ${formatScalar(value)}`.trimEnd());
  }
  return lines.join('\n');
}

function isBlock(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\n');
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** One value for a table cell or a `key: value` line. */
export function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A whole document in the chosen mode; `table` shows objects as key/value lines. */
export async function renderDocument(value: unknown, mode: OutputMode): Promise<string> {
  switch (mode) {
    case 'json':
      return JSON.stringify(value ?? null, null, 2);
    case 'yaml':
      return toYaml(value ?? null);
    case 'table':
      return isPlainRecord(value) ? renderKeyValues(value) : formatScalar(value);
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 850 → "850ms", 12_345 → "12.3s", 125_000 → "2m05s". */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** "2024-05-01T10:20:30.123Z" → "2024-05-01 10:20:30"; anything unparseable is shown as given. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** Writes text to stdout with exactly one trailing newline. */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function writeErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
