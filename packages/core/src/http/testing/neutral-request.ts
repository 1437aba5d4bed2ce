import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import type { HttpRequest } from '../types.js';

/** Init of {@link neutralRequest}. */
export interface NeutralRequestInit {
  method?: string;
  path?: string;
  basePath?: string;
  headers?: IncomingHttpHeaders;
  query?: string;
  ip?: string;
  /** Raw body bytes, streamed like a socket would. */
  raw?: string | Buffer;
  /** A body "an app parser" already produced (the stream is then marked consumed). */
  parsed?: unknown;
}

/**
 * A neutral request over a real stream, for unit tests of the flows without a
 * framework (the adapter matrix in `test/adapters` covers the frameworks).
 *
 * @param init - method, path, headers, body…
 * @returns the request
 */
export function neutralRequest(init: NeutralRequestInit = {}): HttpRequest<null> {
  const stream = new PassThrough();
  if (init.parsed !== undefined) {
    stream.end();
    stream.resume(); // what a body parser leaves behind: a drained stream
  } else if (init.raw !== undefined) {
    const bytes = Buffer.from(init.raw);
    // Write in two chunks so the limit check sees a stream, not one buffer.
    stream.write(bytes.subarray(0, bytes.length >> 1));
    stream.end(bytes.subarray(bytes.length >> 1));
  } else {
    stream.end();
  }
  return {
    method: init.method ?? 'GET',
    path: init.path ?? '/',
    basePath: init.basePath ?? '',
    headers: init.headers ?? {},
    query: init.query ?? '',
    ip: init.ip ?? '127.0.0.1',
    body: init.parsed,
    stream,
    native: null,
  };
}
