import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ProblemDetails } from './response/index.js';

/**
 * A framework-neutral view of one HTTP request. Adapters implement it with
 * getters over Express's `req` or Koa's `ctx` so that fields a flow does not
 * read (the client IP, the query) cost nothing on the hot path.
 *
 * @typeParam N - the framework's native request object (Express `Request`, Koa `Context`)
 */
export interface HttpRequest<N = unknown> {
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  /**
   * Path relative to where the flow is mounted, still percent-encoded, without
   * the query (`/request`); `null` when the URL has none (`//#?`: Express and
   * Koa report such paths as null).
   */
  readonly path: string | null;
  /** Path prefix the flow is mounted under (`/auth/reset`, `''` at the root); the default cookie `Path`. */
  readonly basePath: string;
  /** Node's lower-cased request headers. */
  readonly headers: IncomingHttpHeaders;
  /** Raw query string without the `?` (`''` when there is none). */
  readonly query: string;
  /** Client IP as the framework resolves it (honouring `trust proxy` / `app.proxy`). */
  readonly ip: string | undefined;
  /** A body the app already parsed (`express.json()`, a Koa body parser), else `undefined`. */
  readonly body: unknown;
  /** The raw request stream, read (with a size limit) when no parser consumed it. */
  readonly stream: Readable | undefined;
  /** The native request object, handed to user callbacks such as `getUser`. */
  readonly native: N;
}

/**
 * A framework-neutral response: adapters copy it onto Express's `res` or
 * Koa's `ctx` without deciding anything themselves.
 */
export interface HttpResponse {
  status: number;
  /** Lower-case header names; always includes `content-type` and `content-length`. */
  headers: Record<string, string>;
  /** Serialized `Set-Cookie` values, appended to any the app already set. */
  cookies: string[];
  /** The body, already serialized (may be `''`). */
  body: string;
  /** Set on error answers: the problem details the body serializes (see {@link Rejection}). */
  problem?: ProblemDetails;
}

/**
 * An error answer a flow decided on, handed to the app's `onReject` instead
 * of being sent: the status, the machine-readable `code`, the headers the
 * answer needs (`WWW-Authenticate`, `Retry-After`, `Cache-Control`,
 * `RateLimit`…; no `Content-Type`/`Content-Length`) and the RFC 9457
 * problem details tokenkit would have sent as the body.
 */
export interface Rejection {
  status: number;
  code: string;
  headers: Record<string, string>;
  problem: ProblemDetails;
}

/** A flow that answers some requests and passes the rest on (`null` → call `next()`). */
export type HttpHandler<N = unknown> = (request: HttpRequest<N>) => Promise<HttpResponse | null>;

/** Reports failures that happen off the response path (e.g. sending an e-mail). */
export type ErrorReporter = (error: unknown, context: { flow: string }) => void;
