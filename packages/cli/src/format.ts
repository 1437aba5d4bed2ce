/**
 * Human-readable output. Machine consumers use `--json`, which prints the
 * library's own objects (epoch-millisecond timestamps) instead.
 */

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * @param ms - epoch milliseconds or null
 * @param none - text for null
 * @returns ISO 8601 to the second (UTC), or `none`
 */
export function formatTime(ms: number | null, none = 'never'): string {
  return ms === null ? none : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * @param ms - a duration
 * @returns the largest unit that divides it exactly: 60000 → `1m`, 90000 → `90s`
 */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * Aligned `label  value` lines.
 *
 * @param rows - label/value pairs
 * @returns the block, newline-terminated
 */
export function formatFields(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('');
}

/**
 * A plain text table with a header row; no colours, so it pipes cleanly.
 *
 * @param header - column titles
 * @param rows - cells, one array per row
 * @returns the table, newline-terminated
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}

/**
 * Hides the password in a Redis URL before it reaches an error message.
 *
 * @param url - e.g. `redis://:secret@host:6379/0`
 * @returns the URL with any password replaced by `***`
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
