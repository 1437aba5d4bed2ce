import type { ApiKey } from '@tokenkit/core';

/**
 * What `apiKeyAuth` puts on `ctx.state`. Koa's `DefaultState` below only
 * types apps built as `new Koa()`; an app with its own state type adds this:
 * `new Koa<MyState & ApiKeyState>()`.
 */
export interface ApiKeyState {
  /** The verified API key, set by `apiKeyAuth` (undefined for anonymous requests under `optional: true`). */
  apiKey?: ApiKey;
}

// Declaration merging: after `apiKeyAuth`, middleware reads a typed
// `ctx.state.apiKey` (undefined only under `optional: true` for anonymous requests).
declare module 'koa' {
  interface DefaultState extends ApiKeyState {}
}
