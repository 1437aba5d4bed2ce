import {
  ConfigError,
  InvalidArgumentError,
  StoreUnavailableError,
  isStoreUnavailableError,
  type ConsumeResult,
  type PutOptions,
  type Store,
  type StoredRecord,
  type UpdateOptions,
  type UsedByPage,
  type UsedByPageOptions,
  type UseFailure,
  type UseRequest,
  type UseResult,
  type WindowCount,
} from '@tokenkit/core';
import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { migrationSql, quoteSchema } from './schema.js';

/**
 * The part of a `pg.Pool` the store uses: `connect()` to check a client out
 * (and `end()` only on a pool the store created itself). Any object with it
 * works, e.g. a wrapper that counts queries.
 */
export interface PoolLike {
  connect(): Promise<PoolClient>;
  end?(): Promise<void>;
}

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * A `pg.Pool` (`new pg.Pool({ connectionString: process.env.DATABASE_URL })`).
   * The store never ends it: close it yourself on shutdown.
   */
  pool?: PoolLike;
  /**
   * Instead of `pool`: a connection string; the store then creates its own
   * `pg.Pool` (needs `pg` installed) and ends it in `close()`.
   */
  connectionString?: string;
  /** Schema of the tables and functions (default `'tokenkit'`); a plain SQL identifier. */
  schema?: string;
  /**
   * Milliseconds each operation may take, waiting for a pooled connection
   * included, before it rejects with `StoreUnavailableError` (default 1000).
   */
  timeout?: number;
  /** Interval of the background `sweep()` in ms (default 60 000; 0 turns it off). The timer is unref'd. */
  sweepIntervalMs?: number;
  /** Rows one sweep statement deletes at most (default 1000). */
  sweepBatchSize?: number;
  /**
   * Use named prepared statements (default false). Each connection then
   * parses and plans each statement once instead of on every call, and an
   * unmetered verification runs as plain SQL without the plpgsql call —
   * about half the server time per verification. Needs a direct connection
   * or a pooler that supports protocol-level prepared statements (PgBouncer
   * ≥ 1.21 with `max_prepared_statements` set); leave it off behind an older
   * PgBouncer in transaction mode.
   */
  preparedStatements?: boolean;
}

const USE_FAILURES: ReadonlySet<string> = new Set<UseFailure>([
  'NOT_FOUND',
  'REVOKED',
  'EXPIRED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  'EXHAUSTED',
  'ALREADY_REDEEMED',
  'EMAIL_MISMATCH',
]);

/** Tables `sweep()` cleans, with their primary-key columns (redeemers follow their record by cascade). */
const SWEPT: ReadonlyArray<readonly [table: string, key: string]> = [
  ['records', 'ns, id'],
  ['subjects', 'ns, subject, id'],
  ['counters', 'kind, ns, key'],
];

class Timeout extends Error {}

type Operation =
  | 'get'
  | 'put'
  | 'update'
  | 'delete'
  | 'consume'
  | 'use'
  | 'hit'
  | 'usedBy'
  | 'indexAdd'
  | 'indexMembers'
  | 'indexRemove';

/**
 * tokenkit state in PostgreSQL. Every change concurrent requests can race on
 * is one statement — one call of a function `migrate()` installs (`use`,
 * `consume`, `put`, `update`) or one `INSERT … ON CONFLICT` (`hit`,
 * `indexAdd`) — so an API-key verification is one round trip and no
 * `BEGIN`/`COMMIT` is ever sent on the request path. Queries use the unnamed
 * statement and no session state, so the store works behind PgBouncer in
 * transaction mode. Every method fails closed: it rejects with
 * `StoreUnavailableError` when Postgres refuses, errors, drops the connection
 * or does not answer within `timeout` ms (waiting for a pooled connection
 * included); a connection that timed out or failed is discarded, not reused.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { PostgresStore } from '@tokenkit/postgres'
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const store = new PostgresStore({ pool })
 * await store.migrate()
 * ```
 */
export class PostgresStore implements Store {
  /** The quoted schema name, e.g. `"tokenkit"`. */
  readonly schema: string;
  /** Per-operation deadline in ms. */
  readonly timeout: number;
  private readonly pool: PoolLike;
  private readonly ownsPool: boolean;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private readonly sql: Record<Operation, string>;
  /** Statement names per operation when `preparedStatements` is on (unique per schema). */
  private readonly names: Partial<Record<Operation, string>> = {};
  private readonly prepared: boolean;

  /**
   * @param options - pool (or connection string), schema, timeout, sweeping
   * @throws ConfigError when neither pool nor connectionString is given, the schema is not an identifier or a number is out of range
   */
  constructor(options: PostgresStoreOptions) {
    this.schema = quoteSchema(options?.schema ?? 'tokenkit');
    const timeout = options.timeout ?? 1000;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new ConfigError(`PostgresStore: timeout must be a positive number of milliseconds (got ${String(timeout)}); default 1000`);
    }
    this.timeout = timeout;
    const batch = options.sweepBatchSize ?? 1000;
    if (!Number.isSafeInteger(batch) || batch < 1) {
      throw new ConfigError(`PostgresStore: sweepBatchSize must be a positive integer (got ${String(batch)}); default 1000`);
    }
    this.batchSize = batch;
    if (options.pool !== undefined) {
      if (typeof options.pool?.connect !== 'function') {
        throw new ConfigError(
          'PostgresStore: options.pool must be a pg.Pool, e.g. { pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) }',
        );
      }
      this.pool = options.pool;
      this.ownsPool = false;
      listenForIdleErrors(options.pool);
    } else if (typeof options.connectionString === 'string' && options.connectionString !== '') {
      this.pool = lazyPool(options.connectionString);
      this.ownsPool = true;
    } else {
      throw new ConfigError(
        'PostgresStore: pass { pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) } or { connectionString }',
      );
    }
    const s = this.schema;
    const live = '(expires_at IS NULL OR expires_at > now())';
    this.sql = {
      get: `SELECT data FROM ${s}.records WHERE ns = $1 AND id = $2 AND ${live}`,
      put: `SELECT ${s}.put($1, $2, $3, $4, $5) AS written`,
      update: `SELECT ${s}.update($1, $2, $3, $4, $5, $6, $7) AS data`,
      delete: `WITH d AS (DELETE FROM ${s}.records WHERE ns = $1 AND id = $2 RETURNING expires_at),
        c AS (DELETE FROM ${s}.counters WHERE kind = 1 AND ns = $1 AND key = $2)
        SELECT count(*) FILTER (WHERE ${live})::int AS n FROM d`,
      consume: `SELECT status, record FROM ${s}.consume($1, $2, $3, $4)`,
      use: `SELECT status, retry_ms, record, rl_count, rl_reset_ms, rl_limit, rl_window FROM ${s}.use($1, $2, $3, $4, $5, $6, $7, $8)`,
      hit: `INSERT INTO ${s}.counters AS c (kind, ns, key, count, expires_at)
        VALUES (0, $1, $2, $3, now() + $4 * interval '1 millisecond')
        ON CONFLICT (kind, ns, key) DO UPDATE SET
          count = CASE WHEN c.expires_at <= now() THEN excluded.count ELSE c.count + excluded.count END,
          expires_at = CASE WHEN c.expires_at <= now() THEN excluded.expires_at ELSE c.expires_at END
        RETURNING c.count::float8 AS count, ceil(extract(epoch FROM c.expires_at - now()) * 1000)::float8 AS reset_ms`,
      // A page of the used-by set in insertion order (seq), only while the record is live: an
      // index range scan on (ns, id, seq) from the cursor, one more row than asked to tell the end.
      usedBy: `SELECT d.subject, d.seq::text AS seq FROM ${s}.redeemers d
        WHERE d.ns = $1 AND d.id = $2 AND d.seq > $3::bigint
          AND EXISTS (SELECT 1 FROM ${s}.records r WHERE r.ns = $1 AND r.id = $2 AND (r.expires_at IS NULL OR r.expires_at > now()))
        ORDER BY d.seq LIMIT $4::int + 1`,
      indexAdd: `INSERT INTO ${s}.subjects AS x (ns, subject, id, expires_at)
        VALUES ($1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + $4::float8 * interval '1 millisecond' END)
        ON CONFLICT (ns, subject, id) DO UPDATE SET expires_at = CASE
          WHEN excluded.expires_at IS NULL OR x.expires_at IS NULL THEN NULL
          WHEN x.expires_at <= now() THEN excluded.expires_at
          ELSE greatest(x.expires_at, excluded.expires_at) END`,
      indexMembers: `SELECT id FROM ${s}.subjects WHERE ns = $1 AND subject = $2 AND ${live}`,
      indexRemove: `DELETE FROM ${s}.subjects WHERE ns = $1 AND subject = $2 AND id = ANY($3::text[])`,
    };
    this.prepared = options.preparedStatements === true;
    if (this.prepared) {
      // Prepared once per connection, so the planner cost of this longer statement is paid once:
      // an unmetered verification (no maxUses, no rate limit, no subject) only reads, and its
      // checks run inline; anything else — and a missing record — goes to the use() function,
      // which runs only when the inline branch found nothing (a one-time filter). One statement.
      // $9 holds the SHA-256 digests of the candidate hashes (computed here), compared with the
      // digests of the stored hash and previous hash (a rotated key in its grace period), as
      // hash_match() does; both comparisons always run.
      this.sql.use = `WITH fast AS (
          SELECT CASE
            WHEN NOT m.cur AND NOT m.prev THEN 'NOT_FOUND'
            WHEN data->>'revokedAt' IS NOT NULL THEN 'REVOKED'
            WHEN NOT m.cur AND NOT (data->>'previousHashExpiresAt' IS NOT NULL
              AND $4::float8 < (data->>'previousHashExpiresAt')::float8) THEN 'EXPIRED'
            WHEN data->>'expiresAt' IS NOT NULL AND $4::float8 >= (data->>'expiresAt')::float8 THEN 'EXPIRED'
            WHEN cardinality($5::text[]) > 0 AND NOT (CASE WHEN jsonb_typeof(data->'scopes') = 'array'
              THEN data->'scopes' ELSE '[]'::jsonb END @> to_jsonb($5::text[])) THEN 'INSUFFICIENT_SCOPE'
            WHEN data->>'email' IS NOT NULL AND data->>'email' IS DISTINCT FROM $7::text THEN 'EMAIL_MISMATCH'
            ELSE 'OK' END AS status, data
          FROM ${s}.records
          CROSS JOIN LATERAL (SELECT
            coalesce(jsonb_typeof(data->'hash') = 'string'
              AND sha256(convert_to(data->>'hash', 'UTF8')) = ANY($9::bytea[]), false) AS cur,
            coalesce(jsonb_typeof(data->'hash') = 'string' AND jsonb_typeof(data->'previousHash') = 'string'
              AND sha256(convert_to(data->>'previousHash', 'UTF8')) = ANY($9::bytea[]), false) AS prev) m
          WHERE ns = $1 AND id = $2 AND ${live} AND $6::text IS NULL AND data->>'maxUses' IS NULL
            AND jsonb_typeof(data->'rateLimit') IS DISTINCT FROM 'object')
        SELECT status, NULL::bigint AS retry_ms, CASE WHEN status = 'OK' THEN data END AS record,
          NULL::bigint AS rl_count, NULL::bigint AS rl_reset_ms, NULL::float8 AS rl_limit, NULL::float8 AS rl_window
        FROM fast
        UNION ALL
        SELECT u.status, u.retry_ms, u.record, u.rl_count, u.rl_reset_ms, u.rl_limit, u.rl_window
        FROM ${s}.use($1, $2, $3::text[], $4::float8, $5::text[], $6::text, $7::text, $8::float8) u
        WHERE NOT EXISTS (SELECT 1 FROM fast)`;
      for (const op of Object.keys(this.sql) as Operation[]) this.names[op] = `tokenkit_${this.schema.slice(1, -1)}_${op}_v2`;
    }
    const interval = options.sweepIntervalMs ?? 60_000;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
      throw new ConfigError(`PostgresStore: sweepIntervalMs must be a non-negative number (got ${String(interval)}); 0 turns sweeping off`);
    }
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.sweep().catch(() => {
          // Postgres is down: the next tick tries again; requests fail closed meanwhile.
        });
      }, interval);
      this.timer.unref();
    }
  }

  /**
   * Creates the schema, tables, indexes and functions — idempotent, and safe
   * when several processes run it at once (one transaction under
   * `pg_advisory_xact_lock`). The same SQL ships as `sql/schema.sql` and runs
   * as `tokenkit migrate`.
   *
   * @param options.timeout - ms to allow (default 30 000: creating indexes on a big table takes time)
   */
  async migrate(options: { timeout?: number } = {}): Promise<void> {
    await this.run('migrate', migrationSql(this.schema), options.timeout ?? 30_000);
  }

  /**
   * Deletes rows past their `expires_at` in batches of `sweepBatchSize` (one
   * short statement each, `FOR UPDATE SKIP LOCKED`, so sweeps on several app
   * servers never wait on each other or on requests). Also runs on the
   * unref'd timer. Concurrent calls share one sweep.
   *
   * @returns the number of rows deleted
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (const [table, key] of SWEPT) {
      const text = `DELETE FROM ${this.schema}.${table} WHERE (${key}) IN (
        SELECT ${key} FROM ${this.schema}.${table} WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`;
      for (;;) {
        const result = await this.run('sweep', { text, values: [this.batchSize] });
        const n = result.rowCount ?? 0;
        total += n;
        if (n < this.batchSize) break;
      }
    }
    return total;
  }

  async put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean> {
    const data = toJson(record);
    const result = await this.run('put', {
      ...this.statement('put'),
      values: [ns, record.id, data, ttlParam(options.ttlMs), options.ifAbsent === true],
    });
    return result.rows[0]?.written === true;
  }

  async get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    const result = await this.run('get', { ...this.statement('get'), values: [ns, id] });
    return (result.rows[0]?.data as R | undefined) ?? null;
  }

  async update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options: UpdateOptions = {},
  ): Promise<R | null> {
    const fields: Record<string, unknown> = {};
    const dropped: string[] = [];
    for (const [name, value] of Object.entries(patch)) {
      if (name === 'id') continue;
      if (value === undefined) dropped.push(name);
      else fields[name] = value;
    }
    const ttl = options.ttlMs;
    const mode = ttl === undefined ? 0 : ttl === null || ttl === Number.POSITIVE_INFINITY ? 2 : 1;
    const result = await this.run('update', {
      ...this.statement('update'),
      values: [ns, id, toJson(fields), dropped, mode, mode === 1 ? ttlParam(ttl as number) : null, options.ifHash ?? null],
    });
    return (result.rows[0]?.data as R | null | undefined) ?? null;
  }

  async delete(ns: string, id: string): Promise<boolean> {
    const result = await this.run('delete', { ...this.statement('delete'), values: [ns, id] });
    return (result.rows[0]?.n ?? 0) > 0;
  }

  async consume<R extends StoredRecord>(ns: string, id: string, hashes: readonly string[], now: number): Promise<ConsumeResult<R>> {
    const result = await this.run('consume', { ...this.statement('consume'), values: [ns, id, [...hashes], now] });
    const row = result.rows[0];
    if (row?.status === 'OK') return { ok: true, record: row.record as R };
    if (row?.status === 'EXPIRED') return { ok: false, reason: 'EXPIRED' };
    return { ok: false, reason: 'NOT_FOUND' };
  }

  async use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): Promise<UseResult<R>> {
    const retain = request.retainMs;
    const result = await this.run('use', {
      ...this.statement('use'),
      values: [
        ns,
        id,
        [...request.hashes],
        request.now,
        request.scopes ? [...request.scopes] : [],
        request.subject ?? null,
        request.email ?? null,
        retain === undefined || retain === Number.POSITIVE_INFINITY ? null : ttlParam(retain),
        ...(this.prepared ? [request.hashes.map(digest)] : []),
      ],
    });
    const row = result.rows[0];
    const status = String(row?.status);
    if (status === 'OK') {
      const record = row?.record as R;
      if (row?.rl_count == null) return { ok: true, record };
      return { ok: true, record, window: { count: Number(row.rl_count), resetMs: Number(row.rl_reset_ms) } };
    }
    if (status === 'RATE_LIMITED') {
      const retryAfterMs = Math.max(1, Number(row?.retry_ms));
      if (row?.rl_limit == null) return { ok: false, reason: 'RATE_LIMITED', retryAfterMs };
      return { ok: false, reason: 'RATE_LIMITED', retryAfterMs, rateLimit: { limit: Number(row.rl_limit), windowMs: Number(row.rl_window) } };
    }
    if (!USE_FAILURES.has(status)) throw new StoreUnavailableError(`PostgresStore use: unexpected status ${JSON.stringify(status)}`);
    return { ok: false, reason: status as UseFailure };
  }

  async hit(ns: string, key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`PostgresStore.hit: cost must be a non-negative integer, got ${cost}`);
    const window = Math.max(1, Math.ceil(windowMs));
    const result = await this.run('hit', { ...this.statement('hit'), values: [ns, key, cost, window] });
    const row = result.rows[0];
    return { count: Number(row?.count), resetMs: Math.min(window, Math.max(1, Number(row?.reset_ms))) };
  }

  /**
   * A page of a record's used-by set, oldest redeemer first (the `seq` the
   * redeem was given); the cursor is the last `seq` of the page, as text. Empty
   * once the record is gone or expired.
   */
  async usedBy(ns: string, id: string, options: UsedByPageOptions = {}): Promise<UsedByPage> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`PostgresStore.usedBy: limit must be a positive integer, got ${limit}`);
    const cursor = options.cursor ?? '0';
    // The cursors this store issues are `redeemers.seq` values (a bigint): anything else did not come from a
    // previous page (and Postgres would answer a cast error that reads like an outage).
    if (typeof cursor !== 'string' || !/^[0-9]{1,19}$/.test(cursor) || BigInt(cursor) > MAX_BIGINT) {
      throw new InvalidArgumentError(
        `PostgresStore.usedBy: invalid cursor ${JSON.stringify(cursor)}; the cursor must come from a previous page (omit it for the first page)`,
      );
    }
    const result = await this.run('usedBy', { ...this.statement('usedBy'), values: [ns, id, cursor, Math.min(limit, 10_000)] });
    const rows = result.rows;
    const more = rows.length > Math.min(limit, 10_000);
    const page = more ? rows.slice(0, -1) : rows;
    return {
      ids: page.map((row) => String(row.subject)),
      cursor: more ? String(page[page.length - 1]?.seq) : null,
    };
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    await this.run('indexAdd', { ...this.statement('indexAdd'), values: [ns, subject, id, ttlParam(ttlMs)] });
  }

  async indexMembers(ns: string, subject: string): Promise<string[]> {
    const result = await this.run('indexMembers', { ...this.statement('indexMembers'), values: [ns, subject] });
    return result.rows.map((row) => String(row.id));
  }

  async indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run('indexRemove', { ...this.statement('indexRemove'), values: [ns, subject, [...ids]] });
  }

  /** The text (and, with `preparedStatements`, the name) of an operation's statement. */
  private statement(op: Operation): { text: string; name?: string } {
    const name = this.names[op];
    return name === undefined ? { text: this.sql[op] } : { text: this.sql[op], name };
  }

  /**
   * Stops the sweep timer. Ends the pool only when the store created it
   * (`connectionString`); a pool you passed in stays open.
   */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => {});
    if (this.ownsPool) await this.pool.end?.();
  }

  /**
   * One query on a pooled client, fail-closed: any error, or no answer
   * (connection wait included) within the deadline, rejects with
   * `StoreUnavailableError`. A client that errored or timed out is destroyed
   * (`release(err)`), so a stuck or half-dead connection is never reused and
   * the pool reconnects by itself.
   */
  private run(what: string, query: QueryConfig | string, timeoutMs = this.timeout): Promise<QueryResult<QueryResultRow>> {
    return new Promise((resolve, reject) => {
      let done = false;
      let client: PoolClient | undefined;
      const onClientError = (): void => {
        // The query's own rejection reports it; this listener keeps an
        // 'error' event on a checked-out client from crashing the process.
      };
      const finish = (err: unknown, result?: QueryResult<QueryResultRow>): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (client) {
          client.removeListener('error', onClientError);
          // Any failure (timeout included) discards the connection.
          client.release(err ? toError(err) : undefined);
          client = undefined;
        }
        if (err) reject(unavailable(what, err, timeoutMs));
        else resolve(result as QueryResult<QueryResultRow>);
      };
      const timer = setTimeout(() => finish(new Timeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
      let connecting: Promise<PoolClient>;
      try {
        connecting = this.pool.connect();
      } catch (err) {
        finish(err);
        return;
      }
      connecting.then(
        (checkedOut) => {
          if (done) {
            // Timed out while waiting for the pool: hand the client straight back.
            checkedOut.release();
            return;
          }
          client = checkedOut;
          client.on('error', onClientError);
          client.query(query).then(
            (result) => finish(null, result),
            (err) => finish(err),
          );
        },
        (err) => finish(err),
      );
    });
  }
}

function unavailable(what: string, err: unknown, timeoutMs: number): StoreUnavailableError {
  if (isStoreUnavailableError(err)) return err;
  const detail = err instanceof Timeout ? err.message : describe(err);
  return new StoreUnavailableError(`Postgres ${what} failed: ${detail}`, {
    cause: err,
    retryAfterMs: Math.max(1000, timeoutMs),
  });
}

/** The largest `bigint` (a `redeemers.seq`, the cursor of `usedBy`). */
const MAX_BIGINT = 2n ** 63n - 1n;
/** SQLSTATEs of a missing schema, table or function: the schema was never migrated. */
const NOT_MIGRATED: ReadonlySet<string> = new Set(['3F000', '42P01', '42883']);

/**
 * Tells a setup mistake from an outage: true for the `StoreUnavailableError`
 * a `PostgresStore` throws when its schema, a table or a function is missing
 * (wrong `schema`, or `migrate()` / `tokenkit migrate` never ran), by the
 * SQLSTATE of its cause.
 *
 * @param err - what a store call threw
 * @returns whether the schema is missing or not migrated
 * @example
 * ```ts
 * try {
 *   await apiKeys.verify(key)
 * } catch (err) {
 *   if (isUnmigratedSchemaError(err)) console.error('run `tokenkit migrate` first')
 *   throw err
 * }
 * ```
 */
export function isUnmigratedSchemaError(err: unknown): boolean {
  if (!isStoreUnavailableError(err)) return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NOT_MIGRATED.has(code);
}

/** Error text without the query or its parameters (which can hold hashes): message and SQLSTATE only. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') return err.message;
    const hint = NOT_MIGRATED.has(code) ? ' — run store.migrate() or `tokenkit migrate` first' : '';
    return `${err.message} (${code})${hint}`;
  }
  return String(err);
}

/** SHA-256 of a candidate hash, as the SQL side computes it of the stored one. */
function digest(hash: string): Buffer {
  return createHash('sha256').update(hash, 'utf8').digest();
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Records and patches as JSON text for a `jsonb` parameter; undefined fields are left out, as JSON does. */
function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** TTL parameter in ms: null = none; non-positive becomes 0 (the row is dead at once). */
function ttlParam(ttlMs: number | null): number | null {
  if (ttlMs === null || ttlMs === Number.POSITIVE_INFINITY) return null;
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) throw new RangeError('PostgresStore: ttlMs must be a number or null');
  return Math.max(0, Math.ceil(ttlMs));
}

/**
 * A `pg.Pool` emits 'error' when an idle connection dies (Postgres restarted,
 * `pg_terminate_backend`); with no listener that event would end the process.
 * When the app has none, the store adds one that ignores it: the pool drops
 * the dead connection and the next query opens a new one.
 */
function listenForIdleErrors(pool: PoolLike): void {
  const emitter = pool as Partial<Pick<NodeJS.EventEmitter, 'on' | 'listenerCount'>>;
  if (typeof emitter.on !== 'function' || typeof emitter.listenerCount !== 'function') return;
  if (emitter.listenerCount('error') === 0) emitter.on('error', () => {});
}

/** A `pg.Pool` created on first use, for `{ connectionString }` (so `pg` loads only when needed). */
function lazyPool(connectionString: string): PoolLike {
  let pool: Promise<PoolLike & { on(event: 'error', listener: () => void): unknown }> | undefined;
  const get = () => {
    pool ??= import('pg').then((mod) => {
      const Pool = (mod.default ?? mod).Pool;
      const created = new Pool({ connectionString });
      created.on('error', () => {
        // An idle connection died (e.g. a Postgres restart): the pool replaces it on the next connect().
      });
      return created;
    });
    return pool;
  };
  return {
    connect: () => get().then((p) => p.connect()),
    end: async () => {
      if (pool) await (await pool).end?.();
    },
  };
}
