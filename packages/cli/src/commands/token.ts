import { tokenBytes, tokenHex, tokenUrlsafe } from '@tokenkit/core';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { MAX_SIZE, parseInteger } from '../parse.js';
import { type CommandContext, output } from './context.js';

type TokenFormat = 'urlsafe' | 'hex' | 'bytes';

interface TokenOptions {
  hex?: boolean;
  urlsafe?: boolean;
  bytes?: boolean;
  json?: boolean;
}

/** Below this many bytes (128 bits) a token is guessable enough to deserve a warning. */
const RECOMMENDED_MIN_BYTES = 16;

/**
 * `tokenkit token [--urlsafe|--hex|--bytes] [N]` — N random bytes from the OS
 * CSPRNG, like Python's `secrets.token_*`.
 *
 * `--bytes` writes the N raw bytes with no newline (like `openssl rand N`), for
 * `> key.bin`; it refuses a terminal, and with `--json` they are base64-encoded.
 *
 * @param program - the root command
 * @param ctx - the command context
 */
export function registerToken(program: Command, ctx: CommandContext): void {
  program
    .command('token')
    .summary('print a random token (default: 32 bytes, base64url)')
    .description(
      'Print a random token of N bytes from the OS CSPRNG.\n' +
        '  --urlsafe  base64url without padding (default; 32 bytes -> 43 chars)\n' +
        '  --hex      lowercase hex (32 bytes -> 64 chars)\n' +
        '  --bytes    the raw bytes, no newline, for redirecting to a file (base64 with --json)',
    )
    .argument('[N]', 'number of random bytes, 1..1048576', (v) => parseInteger(v, 'N', 1, MAX_SIZE), 32)
    .addOption(new Option('--urlsafe', 'base64url, no padding (default)').conflicts(['hex', 'bytes']))
    .addOption(new Option('--hex', 'lowercase hex').conflicts(['urlsafe', 'bytes']))
    .addOption(new Option('--bytes', 'raw bytes (redirect to a file)').conflicts(['urlsafe', 'hex']))
    .option('--json', 'print machine-readable JSON')
    .action((nbytes: number, opts: TokenOptions) => {
      const format: TokenFormat = opts.hex ? 'hex' : opts.bytes ? 'bytes' : 'urlsafe';
      if (nbytes < RECOMMENDED_MIN_BYTES) {
        ctx.io.stderr(`tokenkit: warning: ${nbytes * 8} bits of entropy; use at least ${RECOMMENDED_MIN_BYTES} bytes for secrets\n`);
      }
      if (format === 'bytes' && !opts.json) {
        if (ctx.io.stdoutIsTTY) {
          throw new CliError('refusing to write raw bytes to a terminal: redirect to a file, or use --hex/--urlsafe/--json');
        }
        ctx.io.stdout(tokenBytes(nbytes));
        return;
      }
      const token =
        format === 'hex'
          ? tokenHex(nbytes)
          : format === 'bytes'
            ? Buffer.from(tokenBytes(nbytes)).toString('base64')
            : tokenUrlsafe(nbytes);
      const encoding = format === 'bytes' ? 'base64' : format === 'hex' ? 'hex' : 'base64url';
      output(ctx, opts.json, { token, encoding, bytes: nbytes }, () => `${token}\n`);
    });
}
