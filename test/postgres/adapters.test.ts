/**
 * The Express and Koa guards on a PostgresStore whose database goes away
 * (connection refused): 503 + Retry-After, never 401 or 2xx, and 200 again
 * once it is back — with no restart of the app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ApiKeys } from '@tokenkit/core';
import * as tkExpress from '@tokenkit/express';
import * as tkKoa from '@tokenkit/koa';
import { PostgresStore } from '@tokenkit/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, type PostgresHarness, postgresHarness } from './harness.js';

const require = createRequire(import.meta.url);
const SECRET = 'adapter-pg-secret-0123456789abcdefghijkl';

let harness: PostgresHarness;
let refused: pg.Pool;
let down = false;
let apiKeys: ApiKeys;
let key: string;
const servers: Server[] = [];

beforeAll(async () => {
  harness = await postgresHarness();
  refused = makePool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
  // While `down`, every connection attempt goes to a port nobody listens on: a real ECONNREFUSED.
  const pool = new Proxy(harness.pool, {
    get: (target, prop, receiver) =>
      prop === 'connect' ? () => (down ? refused.connect() : target.connect()) : Reflect.get(target, prop, receiver),
  });
  const store = new PostgresStore({ pool, schema: harness.schema, timeout: 1000, sweepIntervalMs: 0 });
  apiKeys = new ApiKeys({ store, secret: SECRET });
  key = (await apiKeys.create({ ownerId: 'pg-owner' })).key;
});
afterAll(async () => {
  for (const server of servers) server.close();
  await refused?.end();
  await harness?.close();
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

type Handler = Parameters<typeof createServer>[1];
const apps: Array<[string, () => Handler]> = [
  [
    'express5',
    () => {
      const express = require('express5') as () => Handler & { get(path: string, ...h: unknown[]): void };
      const app = express();
      app.get('/api/data', tkExpress.apiKeyAuth({ apiKeys }), (_req: unknown, res: { json(v: unknown): void }) => res.json({ ok: true }));
      return app;
    },
  ],
  [
    'koa3',
    () => {
      const Koa = require('koa3') as new () => { use(m: unknown): void; callback(): Handler };
      const app = new Koa();
      app.use(tkKoa.apiKeyAuth({ apiKeys }));
      app.use((ctx: { body: unknown }) => {
        ctx.body = { ok: true };
      });
      return app.callback();
    },
  ],
];

describe.each(apps)('%s guard on PostgresStore', (_name, build) => {
  it('200 → 503 with Retry-After while PostgreSQL refuses (never 401) → 200 again', async () => {
    const url = await listen(build());
    const get = () => fetch(`${url}/api/data`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    down = true;
    try {
      for (let i = 0; i < 3; i++) {
        const res = await get();
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      }
    } finally {
      down = false;
    }
    expect((await get()).status).toBe(200);
  });
});
