/** Display helpers shared by the pages. */

/** `2025-01-31 14:05 UTC` — unambiguous and stable across locales (tests read it too). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** `in 59 min`, `3 h ago`: good enough for "expires"/"last used" columns. */
export function relativeTime(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never';
  const diff = ms - now;
  const abs = Math.abs(diff);
  const unit = abs < 60_000 ? 'just now' : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 172_800_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  if (unit === 'just now') return unit;
  return diff > 0 ? `in ${unit}` : `${unit} ago`;
}
