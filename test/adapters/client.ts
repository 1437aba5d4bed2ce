import { performance } from 'node:perf_hooks';

let nextIp = 1;

/** A fresh client IP (sent as X-Forwarded-For), so tests never share a throttle window by accident. */
export function freshIp(): string {
  const n = nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** What a test looks at in a response. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  cookies: string[];
  ms: number;
  json<T = Record<string, unknown>>(): T;
}

/** Options of {@link call}. */
export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string (then as is). */
  body?: unknown;
  /** Client IP (X-Forwarded-For); a fresh one by default. */
  ip?: string;
}

/**
 * One request with fetch, redirects not followed.
 *
 * @param base - server URL
 * @param path - request path
 * @param init - method, headers, body, client IP
 * @returns the reply, with its duration
 */
export async function call(base: string, path: string, init: CallInit = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'x-forwarded-for': init.ip ?? freshIp(), ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    if (typeof init.body === 'string') body = init.body;
    else {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const started = performance.now();
  const res = await fetch(base + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
  const text = await res.text();
  const ms = performance.now() - started;
  return {
    status: res.status,
    headers: res.headers,
    text,
    cookies: res.headers.getSetCookie(),
    ms,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** Form-encodes fields like an HTML form does. */
export function form(fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  return { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

/** Headers as a plain object without `date` (the one header allowed to differ). */
export function headersWithoutDate(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name !== 'date') out[name] = value;
  });
  return out;
}

/** The value a `Set-Cookie` sets for `name`, or undefined. */
export function cookieValue(cookies: string[], name: string): string | undefined {
  for (const cookie of cookies) {
    const [pair = ''] = cookie.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/** Polls until `check` returns true (for work that runs off the response path). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
