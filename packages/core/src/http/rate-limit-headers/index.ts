/**
 * `RateLimit-Policy` and `RateLimit` header fields of the IETF httpapi
 * rate-limit headers draft (draft 8), in the form express-rate-limit's
 * `standardHeaders: 'draft-8'` sends:
 *
 * ```
 * RateLimit-Policy: "apikey"; q=100; w=60
 * RateLimit: "apikey"; r=42; t=17
 * ```
 *
 * `q` is the quota, `w` the window in seconds, `r` what is left of the quota
 * and `t` the seconds until the window resets. No partition key (`pk`) is sent:
 * the partition is the presented key or the client's own address.
 */

/**
 * @param name - the policy's name, e.g. `apikey`, `apikey-ip`
 * @param limit - the quota per window
 * @param windowMs - the window in milliseconds
 * @returns the `RateLimit-Policy` value
 * @example
 * ```ts
 * rateLimitPolicy('apikey', 100, 60_000) // '"apikey"; q=100; w=60'
 * ```
 */
export function rateLimitPolicy(name: string, limit: number, windowMs: number): string {
  return `"${name}"; q=${limit}; w=${Math.max(1, Math.ceil(windowMs / 1000))}`;
}

/**
 * @param name - the policy's name
 * @param remaining - what is left of the quota in this window (negative counts as 0)
 * @param resetMs - milliseconds until the window resets
 * @returns the `RateLimit` value
 * @example
 * ```ts
 * rateLimitState('apikey', 42, 16_200) // '"apikey"; r=42; t=17'
 * ```
 */
export function rateLimitState(name: string, remaining: number, resetMs: number): string {
  return `"${name}"; r=${Math.max(0, remaining)}; t=${Math.max(0, Math.ceil(resetMs / 1000))}`;
}

/**
 * Both headers, lower-case names, for a response's header map.
 *
 * @param name - the policy's name
 * @param limit - the quota per window
 * @param windowMs - the window in milliseconds
 * @param remaining - what is left (`undefined`: unknown, then only the policy is sent)
 * @param resetMs - milliseconds until the window resets
 * @returns `{ 'ratelimit-policy', ratelimit? }`
 */
export function rateLimitHeaders(
  name: string,
  limit: number,
  windowMs: number,
  remaining: number | undefined,
  resetMs: number,
): Record<string, string> {
  const policy = rateLimitPolicy(name, limit, windowMs);
  if (remaining === undefined) return { 'ratelimit-policy': policy };
  return { 'ratelimit-policy': policy, ratelimit: rateLimitState(name, remaining, resetMs) };
}
