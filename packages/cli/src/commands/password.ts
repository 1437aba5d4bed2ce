import { DEFAULT_PASSWORD_ALPHABET, password } from '@tokenkit/core';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { MAX_SIZE, parseInteger } from '../parse.js';
import { type CommandContext, output } from './context.js';

interface PasswordCliOptions {
  length: number;
  symbols: boolean;
  exclude?: string;
  json?: boolean;
}

const LETTERS_AND_DIGITS = DEFAULT_PASSWORD_ALPHABET.replace(/[^A-Za-z0-9]/g, '');

/**
 * `tokenkit password [--length N] [--no-symbols] [--exclude CHARS]` — one
 * random password with at least one character of every class the alphabet has.
 *
 * @param program - the root command
 * @param ctx - the command context
 */
export function registerPassword(program: Command, ctx: CommandContext): void {
  program
    .command('password')
    .summary('print a random password (default: 20 chars, letters + digits + symbols)')
    .description(
      'Print a random password drawn uniformly from letters, digits and ASCII punctuation,\n' +
        'with at least one character of each class the alphabet contains.',
    )
    .option('--length <n>', 'number of characters', (v) => parseInteger(v, '--length', 1, MAX_SIZE), 20)
    .option('--no-symbols', 'letters and digits only')
    .option('--exclude <chars>', "characters never to use, e.g. 'Il1O0' (ambiguous ones)")
    .option('--json', 'print machine-readable JSON')
    .action((opts: PasswordCliOptions) => {
      const alphabet = opts.symbols ? DEFAULT_PASSWORD_ALPHABET : LETTERS_AND_DIGITS;
      let value: string;
      try {
        value = password({ length: opts.length, alphabet, ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }) });
      } catch (err) {
        // Core's RangeError says what is impossible (e.g. --exclude removed every digit).
        throw new CliError(err instanceof Error ? err.message.replace(/^password: /, '') : String(err));
      }
      output(ctx, opts.json, { password: value, length: value.length }, () => `${value}\n`);
    });
}
