import { ApiKeys, type Store } from '@tokenkit/core';
import { apiKeyAuth } from '@tokenkit/express';
import express, { type Express } from 'express';

/**
 * A tiny API guarded by `apiKeyAuth`: nothing in it knows about logs or
 * spans — `observability.ts` subscribes from the outside.
 *
 * @param store - where keys live
 * @param secret - the keyed-hash secret (≥ 32 characters)
 * @returns the app and its key manager
 */
export function createApp(store: Store, secret: string): { app: Express; apiKeys: ApiKeys } {
  const apiKeys = new ApiKeys({ store, secret });
  const app = express();
  app.get('/api/me', apiKeyAuth({ apiKeys, scopes: ['read'], throttle: { limit: 3, window: '1m' } }), (req, res) => {
    res.json({ owner: req.apiKey?.ownerId });
  });
  return { app, apiKeys };
}
