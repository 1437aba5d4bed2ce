/**
 * Process exit codes. Scripts branch on these, so they are part of the public
 * contract (documented in the README).
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** Bad usage or input: unknown flag, bad value, missing option, unknown id. */
  USAGE: 1,
  /** Redis unreachable, timed out or failing (`StoreUnavailableError`). */
  STORE_UNAVAILABLE: 2,
  /** `apikey verify`: the key was rejected. */
  VERIFY_FAILED: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An expected failure: `run()` prints its message as one line on stderr and
 * exits with its code — never a stack trace.
 */
export class CliError extends Error {
  /** The process exit code. */
  readonly exitCode: ExitCodeValue;

  /**
   * @param message - what went wrong and, where possible, how to fix it
   * @param exitCode - default {@link ExitCode.USAGE}
   */
  constructor(message: string, exitCode: ExitCodeValue = ExitCode.USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
