// Section scripts print progress for humans and write one JSON result for
// bench/run.mjs (which turns them into RESULTS.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * @param {string | undefined} path - where run.mjs wants the JSON (nothing is written without it)
 * @param {unknown} result
 */
export function writeResult(path, result) {
  if (!path) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

/**
 * Formats a number with a fixed count of significant-looking digits.
 * @param {number} value
 * @param {number} [digits]
 */
export function fmt(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Prints rows as an aligned plain-text table.
 * @param {string[]} header
 * @param {Array<Array<string | number>>} rows
 */
export function printTable(header, rows) {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  for (const [n, row] of all.entries()) {
    console.log(row.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/**
 * Runs a section's main function: prints errors, writes `{ ok: false, error }`
 * on failure, and sets the exit code run.mjs checks.
 * @param {string | undefined} out
 * @param {string} section
 * @param {() => Promise<object>} main
 */
export async function runSection(out, section, main) {
  const started = Date.now();
  try {
    const result = await main();
    writeResult(out, { section, ok: true, seconds: (Date.now() - started) / 1000, ...result });
  } catch (err) {
    console.error(`[${section}] FAILED:`, err);
    writeResult(out, { section, ok: false, seconds: (Date.now() - started) / 1000, error: String(err?.stack ?? err) });
    process.exitCode = 1;
  }
}
