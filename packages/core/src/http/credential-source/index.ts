import { parse } from 'cookie';
import { ConfigError } from '../../errors.js';
import type { HttpRequest } from '../types.js';

/**
 * Where an API key may come from: `'authorization'` (`Bearer <key>`), any
 * other header name (`'x-api-key'`), `'cookie:<name>'` or `'query:<name>'`.
 */
export type CredentialSource = 'authorization' | 'x-api-key' | `cookie:${string}` | `query:${string}` | (string & {});

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
export function compileSources(sources: readonly CredentialSource[]): CredentialExtractor {
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

function compileOne(source: CredentialSource): CredentialExtractor {
  if (typeof source !== 'string') throw new ConfigError('apiKeyAuth: every entry of from must be a string');
  const lower = source.toLowerCase();
  if (lower === 'authorization') return fromAuthorization;
  const colon = source.indexOf(':');
  if (colon > 0) {
    const kind = lower.slice(0, colon);
    const name = source.slice(colon + 1);
    if (kind === 'cookie' && TOKEN.test(name)) return fromCookie(name);
    if (kind === 'query' && name.length > 0) return fromQuery(name);
    throw new ConfigError(`apiKeyAuth: unknown credential source ${JSON.stringify(source)}; use 'cookie:<name>' or 'query:<name>'`);
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
