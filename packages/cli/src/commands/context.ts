import type { ExitCodeValue } from '../errors.js';
import type { CliIo } from '../io.js';

/** What every command handler gets from `run()`. */
export interface CommandContext {
  io: CliIo;
  /** Ends the run with this code without an error message (e.g. `apikey verify` → 3). */
  setExitCode(code: ExitCodeValue): void;
}

/**
 * Prints a result: the value as JSON with `--json`, otherwise the human text.
 *
 * @param ctx - the command context
 * @param json - whether `--json` was given
 * @param value - the machine-readable result
 * @param human - builds the human-readable text (only called without `--json`)
 */
export function output(ctx: CommandContext, json: boolean | undefined, value: unknown, human: () => string): void {
  ctx.io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : human());
}
