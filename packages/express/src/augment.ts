import type { ApiKey } from '@tokenkit/core';

// Declaration merging: after `apiKeyAuth`, handlers read a typed `req.apiKey`
// (undefined only under `optional: true` for anonymous requests).
declare global {
  namespace Express {
    interface Request {
      /** The verified API key, set by `apiKeyAuth` (undefined for anonymous requests under `optional: true`). */
      apiKey?: ApiKey;
    }
  }
}
