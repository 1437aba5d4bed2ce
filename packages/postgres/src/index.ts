/**
 * @tokenkit/postgres — `PostgresStore` on node-postgres (`pg`).
 * Explicit re-exports only: this list is the public API.
 */
export { PostgresStore, isUnmigratedSchemaError } from './postgres-store.js';
export type { PostgresStoreOptions, PoolLike } from './postgres-store.js';
export { migrationSql, quoteSchema, schemaSql } from './schema.js';
