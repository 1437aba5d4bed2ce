import { isStoreUnavailableError, isValidPrefix, KeyedHasher, type ManagerOptions, type Store, tokenUrlsafe } from '@tokenkit/core';
import { isUnmigratedSchemaError } from '@tokenkit/postgres';
import { type Command, Option } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { collectRaw, parseDurationFlag } from '../parse.js';
import { type CliEnv, openStore } from '../store.js';

/** Raw values of the shared store flags, as commander parses them. */
export interface StoreOptionValues {
  redis?: string;
  databaseUrl?: string;
  schema?: string;
  prefix?: string;
  secret?: string[];
  keyPrefix?: string;
  timeout: number;
  json?: boolean;
}

const DEFAULT_TIMEOUT = '5s';

/** RedisStore's own default key prefix. */
export const DEFAULT_REDIS_PREFIX = 'tokenkit:';

/**
 * The Redis key prefix: `--prefix`, else `REDIS_PREFIX` (what the example apps
 * read), else RedisStore's default — so keys made here are found by an app
 * started with the same environment.
 *
 * @param values - parsed flags
 * @param env - for `REDIS_PREFIX`
 * @returns the prefix to open the store with
 */
export function resolvePrefix(values: StoreOptionValues, env: CliEnv): string {
  return values.prefix ?? (env.REDIS_PREFIX || DEFAULT_REDIS_PREFIX);
}

/** PostgresStore's own default schema. */
export const DEFAULT_SCHEMA = 'tokenkit';

/**
 * The PostgreSQL schema: `--schema`, else `TOKENKIT_SCHEMA` (what the example
 * apps read), else PostgresStore's default — the counterpart of {@link resolvePrefix}.
 *
 * @param values - parsed flags
 * @param env - for `TOKENKIT_SCHEMA`
 * @returns the schema to open the store with
 */
export function resolveSchema(values: Pick<StoreOptionValues, 'schema'>, env: CliEnv): string {
  return values.schema ?? (env.TOKENKIT_SCHEMA || DEFAULT_SCHEMA);
}

/**
 * Adds `--redis`, `--prefix`, `--secret`, `--key-prefix`, `--timeout` and
 * `--json` to a store-backed command (on each leaf command, so its `--help`
 * lists them).
 *
 * @param cmd - the command
 * @param keyPrefixDefault - the credential prefix the library defaults to (`sk`, `inv`)
 * @returns the same command
 */
export function addStoreOptions(cmd: Command, keyPrefixDefault: string): Command {
  return cmd
    .option('--json', 'print machine-readable JSON')
    .option('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379/0 (default: $REDIS_URL)')
    .option('--prefix <prefix>', "Redis key prefix; must match the app's RedisStore prefix (default: $REDIS_PREFIX or tokenkit:)")
    .option(
      '--database-url <url>',
      'PostgreSQL URL, e.g. postgres://user@host:5432/db (default: $DATABASE_URL when no Redis is given)',
    )
    .option('--schema <name>', "PostgreSQL schema; must match the app's PostgresStore schema (default: $TOKENKIT_SCHEMA or tokenkit)")
    .option(
      '--secret <secret>',
      'hashing secret(s) the app uses (default: $TOKENKIT_SECRET); repeat for rotation: the first signs',
      collectRaw,
    )
    .option('--key-prefix <prefix>', `credential prefix (default: ${keyPrefixDefault})`)
    .addOption(
      new Option('--timeout <duration>', 'give up when Redis does not answer within this')
        .default(parseDurationFlag(DEFAULT_TIMEOUT, '--timeout'), DEFAULT_TIMEOUT)
        .argParser((value) => parseDurationFlag(value, '--timeout')),
    );
}

/**
 * Builds the manager options from the flags and the environment, validating
 * everything that can be checked before connecting (so a typo never waits on Redis).
 *
 * @param values - parsed flags
 * @param env - for `TOKENKIT_SECRET`
 * @param needsSecret - true for commands that hash credentials (create, rotate, verify)
 * @returns a function that completes the options once the store is open
 * @throws CliError (exit 1) for a missing/short secret or a bad credential prefix
 */
export function prepareManager(
  values: StoreOptionValues,
  env: CliEnv,
  needsSecret: boolean,
): (store: Store) => ManagerOptions {
  const given = values.secret ?? (env.TOKENKIT_SECRET ? [env.TOKENKIT_SECRET] : undefined);
  if (needsSecret && given === undefined) {
    throw new CliError(
      'no secret: set TOKENKIT_SECRET (or pass --secret) to the secret your app uses, or its keys will not verify',
    );
  }
  // Listing and revoking never hash a credential, so they do not need the app's secret; a throwaway one
  // keeps the library from warning about unkeyed hashing for an operation that does no hashing at all.
  const secret = given ?? [tokenUrlsafe(32)];
  try {
    new KeyedHasher(secret);
  } catch (err) {
    throw new CliError(`--secret/TOKENKIT_SECRET: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (values.keyPrefix !== undefined && !isValidPrefix(values.keyPrefix)) {
    throw new CliError(
      `--key-prefix must be lower-case letters/digits like sk or sk_live (max 16), got ${JSON.stringify(values.keyPrefix)}`,
    );
  }
  return (store) => ({
    store,
    secret,
    ...(values.keyPrefix === undefined ? {} : { prefix: values.keyPrefix }),
  });
}

/**
 * Opens the store, runs `work` under the `--timeout` deadline, and always
 * closes the connection so the process exits promptly.
 *
 * @param values - parsed flags
 * @param env - for `REDIS_URL`
 * @param work - the command body
 * @returns what `work` returns
 * @throws CliError (exit 2) when Redis is unreachable or too slow
 */
export async function withStore<T>(values: StoreOptionValues, env: CliEnv, work: (store: Store) => Promise<T>): Promise<T> {
  const deadline = Date.now() + values.timeout;
  const open = await openStore(
    {
      redis: values.redis,
      prefix: resolvePrefix(values, env),
      timeoutMs: values.timeout,
      ...(values.databaseUrl === undefined ? {} : { databaseUrl: values.databaseUrl }),
      schema: resolveSchema(values, env),
    },
    env,
  );
  let timer: NodeJS.Timeout | undefined;
  let answered = false;
  try {
    const result = await Promise.race([
      work(open.store),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CliError(`the store did not answer within ${values.timeout} ms`, ExitCode.STORE_UNAVAILABLE)),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
    answered = true;
    return result;
  } catch (err) {
    // A rejection that is not a store failure (bad input caught by the library) still had answers.
    answered = !isStoreUnavailableError(err) && !(err instanceof CliError && err.exitCode === ExitCode.STORE_UNAVAILABLE);
    if (isUnmigratedSchemaError(err)) {
      answered = true;
      const schema = resolveSchema(values, env);
      const cause = (err as Error).cause as { message?: unknown; code?: unknown };
      throw new CliError(
        `PostgreSQL schema ${JSON.stringify(schema)} is missing or not migrated (${String(cause.message)}, ${String(cause.code)}). ` +
          "Hint: pass --schema or set TOKENKIT_SCHEMA to the app's PostgresStore schema, " +
          `or run \`tokenkit migrate --schema ${schema}\` first`,
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
    // After a timeout, QUIT would only wait for a server that is not answering.
    await open.close(answered);
  }
}
