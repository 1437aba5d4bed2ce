import { migrationSql, quoteSchema } from '@tokenkit/postgres';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { parseDurationFlag } from '../parse.js';
import { checkDatabaseUrl, openPostgresStore } from '../store.js';
import { type CommandContext, output } from './context.js';
import { resolveSchema } from './store-options.js';

interface MigrateValues {
  databaseUrl?: string;
  schema?: string;
  print?: boolean;
  timeout: number;
  json?: boolean;
}

/**
 * `tokenkit migrate [--database-url URL] [--schema NAME] [--print]` — creates
 * or updates the PostgresStore schema (idempotent; safe while apps run and
 * when several deploys migrate at once), or prints its SQL.
 *
 * @param program - the root command
 * @param ctx - the command context
 */
export function registerMigrate(program: Command, ctx: CommandContext): void {
  program
    .command('migrate')
    .summary('create or update the PostgreSQL schema of PostgresStore (idempotent)')
    .description(
      'Create or update the tables, indexes and functions PostgresStore uses, in one transaction\n' +
        'under an advisory lock (idempotent; safe when several processes migrate at once).\n' +
        'With --print, write the SQL to stdout instead (for review or your own migration tool).',
    )
    .option('--database-url <url>', 'PostgreSQL URL, e.g. postgres://user@host:5432/db (default: $DATABASE_URL)')
    .option('--schema <name>', "schema name; must match the app's PostgresStore schema (default: $TOKENKIT_SCHEMA or tokenkit)")
    .option('--print', 'print the SQL instead of running it (no connection)')
    .option('--json', 'print machine-readable JSON')
    .addOption(
      new Option('--timeout <duration>', 'give up when PostgreSQL does not answer within this')
        .default(parseDurationFlag('30s', '--timeout'), '30s')
        .argParser((value) => parseDurationFlag(value, '--timeout')),
    )
    .action(async (values: MigrateValues) => {
      const name = resolveSchema(values, ctx.io.env);
      let schema: string;
      try {
        schema = quoteSchema(name);
      } catch (err) {
        throw new CliError(`--schema: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (values.print) {
        ctx.io.stdout(migrationSql(schema));
        return;
      }
      const url = values.databaseUrl ?? ctx.io.env.DATABASE_URL;
      if (url === undefined || url.trim() === '') {
        throw new CliError('no database: pass --database-url postgres://user@host:5432/db or set DATABASE_URL');
      }
      const open = await openPostgresStore(
        checkDatabaseUrl(url),
        { prefix: '', schema: name, timeoutMs: values.timeout },
        { migrate: true },
      );
      await open.close();
      output(ctx, values.json, { migrated: true, schema: name }, () => `migrated schema ${name}\n`);
    });
}
