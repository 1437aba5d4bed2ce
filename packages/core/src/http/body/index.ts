import type { Readable } from 'node:stream';
import { problem } from '../response/index.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/** Default request-body limit: 16 KiB is far more than an e-mail, a token and a password need. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/** Parsed form or JSON fields: a null-prototype object, so `__proto__` is just a name. */
export type BodyFields = Record<string, unknown>;

/** Result of {@link readBody}. */
export type BodyResult = { ok: true; fields: BodyFields } | { ok: false; response: HttpResponse };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a request's body as fields: reuses a body the app already parsed
 * (`express.json()`, `express.urlencoded()`, a Koa body parser) when there is
 * one or the stream was consumed, otherwise reads the stream itself — JSON
 * (`application/json`, `*+json`) or HTML forms
 * (`application/x-www-form-urlencoded`), UTF-8 only, at most `limit` bytes.
 *
 * @param request - the neutral request
 * @param limit - maximum body size in bytes
 * @returns `{ ok: true, fields }`, or a 400 (bad JSON / not an object / not
 *   UTF-8), 413 (too large) or 415 (other media type) problem response
 * @example
 * ```ts
 * const body = await readBody(request, DEFAULT_BODY_LIMIT)
 * if (!body.ok) return body.response
 * ```
 */
export async function readBody(request: HttpRequest, limit: number): Promise<BodyResult> {
  const stream = request.stream;
  const parsed = request.body;
  const untouched = stream !== undefined && !stream.readableDidRead && !stream.readableEnded && !stream.destroyed;
  // Express 4's parsers leave `req.body = {}` for a media type they skip, with
  // the stream unread: only then do we read it ourselves.
  if (!untouched || !isEmpty(parsed)) return fromParsed(parsed);
  const type = mediaType(request.headers['content-type']);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // Drain in the background so a keep-alive connection stays usable; answer now.
    stream.resume();
    return tooLarge(limit);
  }
  if (type.name === '' && !hasBody(request)) return { ok: true, fields: Object.create(null) };
  if (type.charset !== undefined && type.charset !== 'utf-8' && type.charset !== 'utf8') return unsupported();
  const isJson = type.name === 'application/json' || type.name.endsWith('+json');
  const isForm = type.name === 'application/x-www-form-urlencoded';
  if (!isJson && !isForm) {
    stream.resume();
    return unsupported();
  }
  const bytes = await collect(stream, limit);
  if (bytes === 'too-large') return tooLarge(limit);
  if (bytes === 'aborted') return malformed('The request body was not received completely.');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return malformed('The request body is not valid UTF-8.');
  }
  return isJson ? fromJson(text) : { ok: true, fields: fromForm(text) };
}

/**
 * Reads one optional string field.
 *
 * @param fields - parsed body fields
 * @param name - the field
 * @returns the string, `undefined` when absent/empty, or `null` when it has another type
 *   (array, object, number — e.g. `email[]=a` or `{"email": {}}`)
 * @example
 * ```ts
 * const email = stringField(body.fields, 'email')
 * if (email === null) return badRequest('email must be a string')
 * ```
 */
export function stringField(fields: BodyFields, name: string): string | undefined | null {
  if (!Object.hasOwn(fields, name)) return undefined;
  const value = fields[name];
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value : null;
}

function isEmpty(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return false;
  for (const _ in body) return false;
  return true;
}

function fromParsed(body: unknown): BodyResult {
  if (body === undefined || body === null) return { ok: true, fields: Object.create(null) };
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    return malformed('The request body must be a JSON object or an HTML form.');
  }
  return { ok: true, fields: body as BodyFields };
}

function fromJson(text: string): BodyResult {
  if (text.trim() === '') return { ok: true, fields: Object.create(null) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return malformed('The request body must be a JSON object.');
  }
  return { ok: true, fields: value as BodyFields };
}

function fromForm(text: string): BodyFields {
  const fields: BodyFields = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = fields[key];
    // A repeated field becomes an array, which field readers reject: never guess which one was meant.
    if (previous === undefined) fields[key] = value;
    else fields[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return fields;
}

function collect(stream: Readable, limit: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (value: Uint8Array | 'too-large' | 'aborted') => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (value === 'too-large') stream.resume(); // keep draining, discard the rest
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) finish('too-large');
      else chunks.push(buffer);
    };
    const onEnd = () => finish(Buffer.concat(chunks, size));
    const onError = () => finish('aborted');
    const onClose = () => finish('aborted');
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function hasBody(request: HttpRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaType(header: string | undefined): { name: string; charset: string | undefined } {
  if (typeof header !== 'string') return { name: '', charset: undefined };
  const [name = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() === 'charset' && value !== undefined) {
      charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return { name: name.trim().toLowerCase(), charset };
}

function malformed(detail: string): BodyResult {
  return { ok: false, response: problem({ status: 400, code: 'MALFORMED_BODY', detail }) };
}

function tooLarge(limit: number): BodyResult {
  return {
    ok: false,
    response: problem({ status: 413, code: 'PAYLOAD_TOO_LARGE', detail: `The request body exceeds ${limit} bytes.` }),
  };
}

function unsupported(): BodyResult {
  return {
    ok: false,
    response: problem({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'Send application/json or application/x-www-form-urlencoded in UTF-8.',
      headers: { 'accept-post': 'application/json, application/x-www-form-urlencoded' },
    }),
  };
}
