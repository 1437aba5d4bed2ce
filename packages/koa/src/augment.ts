import type { ApiKey } from '@tokenkit/core';

// Declaration merging: after `apiKeyAuth`, middleware reads a typed
// `ctx.state.apiKey` (undefined only under `optional: true` for anonymous requests).
declare module 'koa' {
  interface DefaultState {
    /** The verified API key, set by `apiKeyAuth` (undefined for anonymous requests under `optional: true`). */
    apiKey?: ApiKey;
  }
}
