import { ApiKeys, type CreateApiKeyOptions } from '@tokenkit/core';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { formatTime } from '../format.js';
import { collectList, parseDurationFlag, parseInteger, parseRateLimit } from '../parse.js';
import { type CommandContext, output } from './context.js';
import { type CliEnv, resolveStoreTarget } from '../store.js';
import {
  addStoreOptions,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_SCHEMA,
  prepareManager,
  resolvePrefix,
  resolveSchema,
  type StoreOptionValues,
  withStore,
} from './store-options.js';
import { apiKeyDetails, apiKeyTable } from './views.js';

interface CreateValues extends StoreOptionValues {
  owner: string;
  name?: string;
  scope?: string[];
  expires?: number;
  remaining?: number;
  rateLimit?: { limit: number; windowMs: number };
}

const SHOWN_ONCE = 'This is the only time the full key is shown: store it now (only a keyed hash is kept).\n\n';

/**
 * @param ctx - the command context
 * @param values - parsed flags
 * @param needsSecret - whether the command hashes credentials
 * @param work - the body, given a connected `ApiKeys`
 */
async function withApiKeys<T>(
  ctx: CommandContext,
  values: StoreOptionValues,
  needsSecret: boolean,
  work: (apiKeys: ApiKeys) => Promise<T>,
): Promise<T> {
  const options = prepareManager(values, ctx.io.env, needsSecret);
  return withStore(values, ctx.io.env, (store) => work(new ApiKeys(options(store))));
}

/**
 * Reads the key for `verify`: the argument, or stdin when it is `-` (keeps it
 * out of `ps` and shell history).
 */
async function readKey(ctx: CommandContext, arg: string): Promise<string> {
  if (arg !== '-') return arg;
  if (!ctx.io.readStdin) throw new CliError('cannot read the key from stdin here');
  return (await ctx.io.readStdin()).trim();
}

/**
 * `tokenkit apikey create|list|revoke|rotate|verify`.
 *
 * @param program - the root command
 * @param ctx - the command context
 */
export function registerApiKey(program: Command, ctx: CommandContext): void {
  const apikey = program.command('apikey').summary('create, list, revoke, rotate and verify API keys in the store (Redis or PostgreSQL)');

  addStoreOptions(
    apikey
      .command('create')
      .summary('create a key (printed once)')
      .description('Create an API key. Prints the full key once, then its record.')
      .requiredOption('--owner <id>', 'owner (user or account) id')
      .option('--name <name>', 'label shown in listings')
      .option('--scope <scope>', 'scope the key grants; repeat or comma-separate for several', collectList)
      .option('--expires <duration>', 'lifetime, e.g. 30d or 12h (default: never)', (v) => parseDurationFlag(v, '--expires'))
      .option('--remaining <n>', 'total successful verifications allowed', (v) => parseInteger(v, '--remaining'))
      .option('--rate-limit <limit/window>', 'at most LIMIT verifications per WINDOW, e.g. 100/1m', parseRateLimit),
    'sk',
  ).action(async (values: CreateValues) => {
    const request: CreateApiKeyOptions = { ownerId: values.owner };
    if (values.name !== undefined) request.name = values.name;
    if (values.scope !== undefined) request.scopes = values.scope;
    if (values.expires !== undefined) request.expiresIn = values.expires;
    if (values.remaining !== undefined) request.remaining = values.remaining;
    if (values.rateLimit !== undefined) request.rateLimit = { limit: values.rateLimit.limit, window: values.rateLimit.windowMs };
    const created = await withApiKeys(ctx, values, true, (apiKeys) => apiKeys.create(request));
    output(ctx, values.json, created, () => `${created.key}\n\n${SHOWN_ONCE}${apiKeyDetails(created.apiKey, Date.now())}`);
  });

  addStoreOptions(
    apikey
      .command('list')
      .summary("list an owner's keys")
      .description("List an owner's API keys, newest first (revoked and expired ones stay listed for 7 days).")
      .requiredOption('--owner <id>', 'owner id'),
    'sk',
  ).action(async (values: StoreOptionValues & { owner: string }) => {
    const keys = await withApiKeys(ctx, values, false, (apiKeys) => apiKeys.list({ ownerId: values.owner }));
    output(ctx, values.json, keys, () => (keys.length === 0 ? emptyListHint(values, ctx.io.env) : apiKeyTable(keys, Date.now())));
  });

  addStoreOptions(
    apikey
      .command('revoke')
      .summary('revoke a key')
      .description('Revoke an API key at once (by id, as shown by list).').argument('<id>', 'key id'),
    'sk',
  ).action(async (id: string, values: StoreOptionValues) => {
    const key = await withApiKeys(ctx, values, false, (apiKeys) => apiKeys.revoke(id));
    if (!key) throw new CliError(`no API key with id ${JSON.stringify(id)}`);
    output(ctx, values.json, key, () => `Revoked ${key.start} (id ${key.id}, owner ${key.ownerId}) at ${formatTime(key.revokedAt)}.\n`);
  });

  addStoreOptions(
    apikey
      .command('rotate')
      .summary('replace a key, with an optional grace period for the old one')
      .description(
        'Give the key a new secret: same id, owner, scopes, limits, remaining uses and expiry.\n' +
          'The old key stops working after the grace period (default: at once); until then both share one quota.',
      )
      .argument('<id>', 'id of the key to replace')
      .option('--grace <duration>', 'how long the old key keeps working, e.g. 1h', (v) => parseDurationFlag(v, '--grace', true)),
    'sk',
  ).action(async (id: string, values: StoreOptionValues & { grace?: number }) => {
    const result = await withApiKeys(ctx, values, true, async (apiKeys) => {
      const rotated = await apiKeys.rotate(id, { gracePeriod: values.grace ?? 0 });
      // The key keeps its id: `previous` describes the old credential, which ends at previousExpiresAt.
      return rotated ? { key: rotated.key, apiKey: rotated.apiKey, previous: { id, expiresAt: rotated.previousExpiresAt } } : null;
    });
    if (!result) throw new CliError(`no active API key with id ${JSON.stringify(id)} (unknown, revoked or expired)`);
    output(ctx, values.json, result, () => {
      const until = formatTime(result.previous.expiresAt);
      return `${result.key}\n\n${SHOWN_ONCE}${apiKeyDetails(result.apiKey, Date.now())}\nThe previous key (id ${id}) stops working at ${until}.\n`;
    });
  });

  addStoreOptions(
    apikey
      .command('verify')
      .summary('check a key as the app would (exit 3 when rejected)')
      .description(
        'Verify a key as the app would. Exit 0 when valid, 3 when rejected.\n' +
          'This is a real verification: it counts against the rate limit and spends one use of a --remaining key.',
      )
      .argument('<key>', "the full key, or '-' to read it from stdin")
      .option('--scope <scope>', 'scope the key must grant; repeat or comma-separate for several', collectList),
    'sk',
  ).action(async (arg: string, values: StoreOptionValues & { scope?: string[] }) => {
    const key = await readKey(ctx, arg);
    const result = await withApiKeys(ctx, values, true, (apiKeys) =>
      apiKeys.verify(key, values.scope ? { scopes: values.scope } : {}),
    );
    if (result.valid) {
      output(ctx, values.json, result, () => `valid\n${apiKeyDetails(result.apiKey, Date.now())}`);
      return;
    }
    ctx.setExitCode(ExitCode.VERIFY_FAILED);
    if (values.json) {
      output(ctx, true, result, () => '');
      return;
    }
    const retry = result.retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(result.retryAfterMs / 1000)} s)`;
    ctx.io.stderr(`tokenkit: key rejected: ${result.code}${retry}\n`);
  });
}

/**
 * What `apikey list` prints when it finds nothing: the namespace it looked in
 * (the Redis key prefix, or the PostgreSQL schema) and how to point it at the app's.
 *
 * @param values - parsed flags
 * @param env - for `REDIS_PREFIX` / `TOKENKIT_SCHEMA` and the store URLs
 * @returns the message
 */
function emptyListHint(values: StoreOptionValues & { owner: string }, env: CliEnv): string {
  if (resolveStoreTarget(values, env).kind === 'postgres') {
    return (
      `No API keys for owner ${values.owner} in PostgreSQL schema ${JSON.stringify(resolveSchema(values, env))}.\n` +
      `Hint: the schema must equal your app's PostgresStore schema (default ${DEFAULT_SCHEMA}): ` +
      'pass --schema <name> or set TOKENKIT_SCHEMA as the example apps do.\n'
    );
  }
  return (
    `No API keys for owner ${values.owner} under Redis key prefix ${JSON.stringify(resolvePrefix(values, env))}.\n` +
    `Hint: the prefix must equal your app's RedisStore prefix (default ${DEFAULT_REDIS_PREFIX}): ` +
    'pass --prefix <prefix> or set REDIS_PREFIX as the example apps do.\n'
  );
}
