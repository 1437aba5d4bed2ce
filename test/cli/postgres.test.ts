/**
 * The CLI on PostgreSQL: `tokenkit migrate` (and `--print`), then API keys and
 * invitations through `--database-url`/`DATABASE_URL` and `--schema`, on a
 * schema of this run that is dropped afterwards.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, uniqueSchema } from '../postgres/harness.js';
import { cli, closedPort, oneLine, SECRET } from './helpers.js';

const schema = uniqueSchema();
const env = { DATABASE_URL, TOKENKIT_SECRET: SECRET };

afterAll(async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe('tokenkit on PostgreSQL', () => {
  it('migrate --print writes the SQL without connecting', async () => {
    const r = await cli(['migrate', '--print', '--schema', 'my_tokens'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^BEGIN;\nSELECT pg_advisory_xact_lock/);
    expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS "my_tokens".records');
  });

  it('migrate creates the schema (twice: idempotent); a bad schema name or no URL is exit 1', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await cli(['migrate', '--schema', schema, '--json'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ migrated: true, schema });
    }
    expect((await cli(['migrate', '--schema', 'bad-name'], env)).code).toBe(1);
    const none = await cli(['migrate'], {});
    expect(none.code).toBe(1);
    expect(oneLine(none.stderr)).toMatch(/no database: pass --database-url/);
  });

  it('apikey create / verify / list through DATABASE_URL, and --database-url beside REDIS_URL', async () => {
    const created = await cli(['apikey', 'create', '--owner', 'cli-owner', '--schema', schema, '--json'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const verified = await cli(['apikey', 'verify', key, '--schema', schema, '--json'], env);
    expect(verified.code).toBe(0);
    const listed = await cli(
      ['apikey', 'list', '--owner', 'cli-owner', '--schema', schema, '--database-url', DATABASE_URL, '--json'],
      { REDIS_URL: 'redis://127.0.0.1:1', TOKENKIT_SECRET: SECRET },
    );
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
    const invite = await cli(['invite', 'create', '--by', 'cli-admin', '--schema', schema, '--json'], env);
    expect(invite.code).toBe(0);
  });

  it('TOKENKIT_SCHEMA is the default of --schema (migrate included), as the example apps read it', async () => {
    const own = uniqueSchema();
    try {
      const migrated = await cli(['migrate', '--json'], { ...env, TOKENKIT_SCHEMA: own });
      expect(migrated.stderr).toBe('');
      expect(JSON.parse(migrated.stdout)).toEqual({ migrated: true, schema: own });
      const created = await cli(['apikey', 'create', '--owner', 'env-owner', '--json'], { ...env, TOKENKIT_SCHEMA: own });
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const listed = await cli(['apikey', 'list', '--owner', 'env-owner', '--json'], { ...env, TOKENKIT_SCHEMA: own });
      expect(JSON.parse(listed.stdout)).toHaveLength(1);
      // --schema wins over the variable.
      const flag = await cli(['apikey', 'list', '--owner', 'env-owner', '--schema', schema, '--json'], { ...env, TOKENKIT_SCHEMA: own });
      expect(JSON.parse(flag.stdout)).toEqual([]);
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
      await client.end();
    }
  });

  it('apikey list finding nothing names the schema and --schema/TOKENKIT_SCHEMA, not the Redis prefix', async () => {
    const r = await cli(['apikey', 'list', '--owner', 'nobody', '--schema', schema], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`No API keys for owner nobody in PostgreSQL schema "${schema}".`);
    expect(r.stdout).toMatch(/--schema <name> or set TOKENKIT_SCHEMA/);
    expect(r.stdout).not.toMatch(/Redis|REDIS_PREFIX|--prefix/);
  });

  it('an unmigrated schema, both URLs, a bad URL and an unreachable server fail with one line', async () => {
    // A schema that does not exist is a setup mistake (exit 1), not an outage (exit 2).
    const missing = uniqueSchema();
    const unmigrated = await cli(['apikey', 'list', '--owner', 'x', '--schema', missing], env);
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.stdout).toBe('');
    const line = oneLine(unmigrated.stderr);
    expect(line).toContain(`PostgreSQL schema "${missing}" is missing or not migrated`);
    expect(line).toMatch(/, (3F000|42P01|42883)\)/); // the SQLSTATE: schema, table or function missing
    expect(line).toMatch(/--schema or set TOKENKIT_SCHEMA/);
    expect(line).toContain(`tokenkit migrate --schema ${missing}`);
    const viaEnv = await cli(['invite', 'list', '--json'], { ...env, TOKENKIT_SCHEMA: missing });
    expect(viaEnv.code).toBe(1);
    expect(oneLine(viaEnv.stderr)).toContain(`PostgreSQL schema "${missing}"`);
    const both = await cli(['apikey', 'list', '--owner', 'x', '--redis', 'redis://h', '--database-url', DATABASE_URL], env);
    expect(both.code).toBe(1);
    expect(oneLine(both.stderr)).toMatch(/either --redis or --database-url/);
    const bad = await cli(['apikey', 'list', '--owner', 'x', '--database-url', 'mysql://h/db'], env);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.stderr)).toMatch(/--database-url must start with postgres:\/\//);
    const port = await closedPort();
    const down = await cli(['apikey', 'list', '--owner', 'x', '--database-url', `postgres://postgres@127.0.0.1:${port}/test`], env);
    expect(down.code).toBe(2);
    expect(oneLine(down.stderr)).toMatch(/PostgreSQL unavailable at postgres:\/\/postgres@127\.0\.0\.1/);
  });
});
