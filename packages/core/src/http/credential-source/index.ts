import { parse } from 'cookie';
import { ConfigError } from '../../errors.js';
import type { HttpRequest } from '../types.js';

/**
 * Where an API key may come from: `'authorization'` (`Bearer <key>`),
 * `'authorization:<Scheme>'` for another scheme (`'authorization:Api-Key'`,
 * `'authorization:Token'`; matched case-insensitively), any other header name
 * (`'x-api-key'`), `'cookie:<name>'`, `'query:<name>'`, or a function of the
 * framework's native request (Express `req`, Koa `ctx`) returning the key, or
 * `null`/`undefined` when it is not there.
 *
 * @typeParam N - the native request the functions receive
 */
export type CredentialSource<N = unknown> =
  | 'authorization'
  | 'x-api-key'
  | `authorization:${string}`
  | `cookie:${string}`
  | `query:${string}`
  | (string & {})
  | CredentialReader<N>;

/** A `from` entry written by the app: the key from the native request, or null/undefined when absent. */
export type CredentialReader<N = unknown> = (native: N) => string | null | undefined;

/**
 * Reads a credential from one request. `undefined` = not presented; `''` =
 * presented but unusable (empty, duplicated), which verification rejects as
 * `MALFORMED`.
 */
export type CredentialExtractor = (request: HttpRequest) => string | undefined;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BEARER = /^bearer(?: +|$)/i;

/**
 * Compiles the `from` list once, at construction, into one function that
 * tries each source in order and returns the first credential presented — so
 * a request costs a header lookup or two, not a parse of every source.
 *
 * @param sources - e.g. `['authorization', 'x-api-key', 'cookie:api_key']`
 * @returns the extractor
 * @throws ConfigError on an empty list or an invalid source
 * @example
 * ```ts
 * const extract = compileSources(['authorization', 'query:api_key'])
 * const key = extract(request) // 'sk_…' | '' | undefined
 * ```
 */
export function compileSources<N>(sources: readonly CredentialSource<N>[]): CredentialExtractor {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new ConfigError("apiKeyAuth: from must be a non-empty list such as ['authorization', 'x-api-key']");
  }
  const extractors = sources.map(compileOne);
  if (extractors.length === 1) return extractors[0]!;
  return (request) => {
    for (const extract of extractors) {
      const value = extract(request);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/**
 * Describes where a key may be sent, for the 401 `detail`: the configured
 * sources, in order (`Authorization: Bearer <key>, X-Api-Key: <key> or the
 * query parameter api_key`).
 *
 * @param sources - a list {@link compileSources} accepts
 * @returns a sentence fragment naming every source
 * @example
 * ```ts
 * describeSources(['query:api_key']) // 'the query parameter api_key'
 * ```
 */
export function describeSources<N>(sources: readonly CredentialSource<N>[]): string {
  const names = [...new Set(sources.map(describeOne))];
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]!}`;
}

/**
 * The `Authorization` scheme a client should use: the first one in `from`
 * (`Bearer` when only other sources are configured), for `WWW-Authenticate`.
 *
 * @param sources - a list {@link compileSources} accepts
 * @returns e.g. `Bearer`, `Api-Key`
 */
export function challengeScheme<N>(sources: readonly CredentialSource<N>[]): string {
  for (const source of sources) {
    const scheme = typeof source === 'string' ? authorizationScheme(source) : undefined;
    if (scheme !== undefined) return scheme;
  }
  return 'Bearer';
}

function describeOne<N>(source: CredentialSource<N>): string {
  if (typeof source === 'function') return 'the app-defined source';
  const scheme = authorizationScheme(source);
  if (scheme !== undefined) return `Authorization: ${scheme} <key>`;
  const colon = source.indexOf(':');
  const kind = source.slice(0, colon).toLowerCase();
  if (kind === 'cookie') return `the cookie ${source.slice(colon + 1)}`;
  if (kind === 'query') return `the query parameter ${source.slice(colon + 1)}`;
  return `${source.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())}: <key>`;
}

/** `authorization` → `Bearer`, `authorization:Api-Key` → `Api-Key`, anything else → undefined. */
function authorizationScheme(source: string): string | undefined {
  const lower = source.toLowerCase();
  if (lower === 'authorization') return 'Bearer';
  if (!lower.startsWith('authorization:')) return undefined;
  return source.slice('authorization:'.length);
}

function compileOne<N>(source: CredentialSource<N>): CredentialExtractor {
  if (typeof source === 'function') return fromFunction(source);
  if (typeof source !== 'string') throw new ConfigError('apiKeyAuth: every entry of from must be a string or a function');
  const lower = source.toLowerCase();
  if (lower === 'authorization') return fromAuthorization;
  const colon = source.indexOf(':');
  if (colon > 0) {
    const kind = lower.slice(0, colon);
    const name = source.slice(colon + 1);
    if (kind === 'authorization' && TOKEN.test(name)) return name.toLowerCase() === 'bearer' ? fromAuthorization : fromScheme(name);
    if (kind === 'cookie' && TOKEN.test(name)) return fromCookie(name);
    if (kind === 'query' && name.length > 0) return fromQuery(name);
    throw new ConfigError(
      `apiKeyAuth: unknown credential source ${JSON.stringify(source)}; use 'authorization:<Scheme>', 'cookie:<name>' or 'query:<name>'`,
    );
  }
  if (!TOKEN.test(lower)) throw new ConfigError(`apiKeyAuth: ${JSON.stringify(source)} is not a valid header name`);
  return (request) => single(request.headers[lower]);
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`; other schemes are "no credential here". */
function fromAuthorization(request: HttpRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  // The usual spelling skips the case-insensitive regex (it costs about what parsing the key does).
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  if (!BEARER.test(header)) return undefined;
  return header.slice(6).trim();
}

/** `Authorization: <Scheme> <key>` for a scheme other than Bearer (case-insensitive, RFC 9110 §11.1). */
function fromScheme(scheme: string): CredentialExtractor {
  const pattern = new RegExp(`^${scheme.replace(/[.*+?^$|\\]/g, '\\$&')}(?: +|$)`, 'i');
  return (request) => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !pattern.test(header)) return undefined;
    return header.slice(scheme.length).trim();
  };
}

/** An app-written reader: a non-string answer (null, undefined) means "not here"; a throw is the app's bug. */
function fromFunction<N>(read: CredentialReader<N>): CredentialExtractor {
  return (request) => {
    const value = read(request.native as N);
    return typeof value === 'string' ? value.trim() : undefined;
  };
}

function fromCookie(name: string): CredentialExtractor {
  return (request) => {
    const header = request.headers.cookie;
    if (typeof header !== 'string' || !header.includes(name)) return undefined;
    return parse(header)[name];
  };
}

function fromQuery(name: string): CredentialExtractor {
  return (request) => {
    const query = request.query;
    if (query === '') return undefined;
    const values = new URLSearchParams(query).getAll(name);
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : '';
  };
}

function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value.trim() : '';
}
