// The HTTP comparison's app server (forked by http.mjs): Express 5 with
//   /guarded  apiKeyAuth on a PostgresStore (one verification query per request)
//   /raw      the same handler after one raw `pool.query` of a record by primary key
// on one pg pool. Reports { port, key } over IPC; exits when the parent goes away.
import { createRequire } from 'node:module';
import pg from 'pg';
import { ApiKeys } from '../../packages/core/dist/index.js';
import { apiKeyAuth } from '../../packages/express/dist/index.js';
import { PostgresStore } from '../../packages/postgres/dist/index.js';

const require = createRequire(import.meta.url);
const express = require('express5');
const config = JSON.parse(process.argv[2]);
process.on('disconnect', () => process.exit(0));

const pool = new pg.Pool({ connectionString: config.url, max: 16 });
pool.on('error', () => {});
const store = new PostgresStore({ pool, schema: config.schema, sweepIntervalMs: 0, preparedStatements: config.prepared });
await store.migrate();
const apiKeys = new ApiKeys({ store, secret: 'bench-secret-0123456789abcdefghijklmnopqr' });
const { key, apiKey } = await apiKeys.create({ ownerId: 'http-bench' });

const app = express();
const hello = (_req, res) => res.json({ hello: 'world' });
app.get('/guarded', apiKeyAuth({ apiKeys }), hello);
const raw = { text: `SELECT data FROM "${config.schema}".records WHERE ns = $1 AND id = $2`, values: ['key', apiKey.id] };
app.get(
  '/raw',
  (_req, _res, next) => {
    pool.query(raw).then(() => next(), next);
  },
  hello,
);
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, key }));
