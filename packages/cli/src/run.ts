import { isStoreUnavailableError, isTokenkitError } from '@tokenkit/core';
import { Command, CommanderError } from 'commander';
import { registerApiKey } from './commands/apikey.js';
import type { CommandContext } from './commands/context.js';
import { registerInvite } from './commands/invite.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPassword } from './commands/password.js';
import { registerToken } from './commands/token.js';
import { CliError, ExitCode, type ExitCodeValue } from './errors.js';
import type { CliIo } from './io.js';

/** The package version, printed by `tokenkit --version`. */
export const VERSION = '0.1.0';

const HELP_WIDTH = 100;

/**
 * Runs the `tokenkit` command line. Never throws and never calls
 * `process.exit`: every outcome is an exit code, and every failure one line on
 * stderr (set `TOKENKIT_DEBUG=1` for stack traces).
 *
 * @param argv - the arguments after the program name, e.g. `['token', '--hex', '16']`
 * @param io - where to write and which environment to read (`processIo()` for the real process)
 * @returns the exit code: 0 ok, 1 bad usage/input, 2 store unavailable, 3 verification failed
 * @example
 * ```ts
 * const code = await run(['apikey', 'list', '--owner', 'user_1', '--json'], processIo())
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.OK;
  const ctx: CommandContext = {
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    return fail(err, io);
  }
}

function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('tokenkit')
    .description('Generate tokens and passwords; manage tokenkit API keys and invitations in Redis or PostgreSQL.')
    .version(VERSION, '-V, --version')
    // Settings below are inherited by every subcommand added afterwards.
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      // Commander's own errors ("error: unknown option '--x'\n(Did you mean --y?)") become one line.
      outputError: (text, write) => write(`tokenkit: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 bad usage or input, 2 store unavailable, 3 verification failed.\n' +
      'Environment: REDIS_URL (default --redis), DATABASE_URL (default --database-url when no Redis is given),\n' +
      'REDIS_PREFIX (default --prefix), TOKENKIT_SCHEMA (default --schema), TOKENKIT_SECRET (default --secret),\n' +
      'TOKENKIT_DEBUG=1 (stack traces).\n',
  );
  registerToken(program, ctx);
  registerPassword(program, ctx);
  registerApiKey(program, ctx);
  registerInvite(program, ctx);
  registerMigrate(program, ctx);
  return program;
}

/** Maps anything thrown to an exit code and prints one line (commander has printed its own). */
function fail(err: unknown, io: CliIo): ExitCodeValue {
  if (err instanceof CommanderError) {
    // Help and version exit 0; a bare `tokenkit apikey` prints help on stderr and exits 1, like any usage error.
    return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  }
  let code: ExitCodeValue;
  let message: string;
  if (err instanceof CliError) {
    code = err.exitCode;
    message = err.message;
  } else if (isStoreUnavailableError(err)) {
    code = ExitCode.STORE_UNAVAILABLE;
    message = `store unavailable: ${err.message}`;
  } else if (isTokenkitError(err) || err instanceof TypeError || err instanceof RangeError) {
    // Library validation (bad owner id, role, e-mail…) is bad input, not a crash.
    code = ExitCode.USAGE;
    message = err.message;
  } else {
    code = ExitCode.USAGE;
    message = `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
  }
  io.stderr(`tokenkit: ${oneLine(message)}\n`);
  if (io.env.TOKENKIT_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  return code;
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}
