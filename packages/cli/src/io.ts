/**
 * Everything the CLI touches outside itself. `run()` takes it as a parameter so
 * tests drive the real command code in-process, with their own environment.
 */
export interface CliIo {
  /** Standard output; `Uint8Array` only for `token --bytes`. */
  stdout(chunk: string | Uint8Array): void;
  /** Standard error: diagnostics, one line per problem. */
  stderr(text: string): void;
  /** Environment variables (`REDIS_URL`, `TOKENKIT_SECRET`, `TOKENKIT_DEBUG`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input; used by `apikey verify -` so keys stay out of `ps` and shell history. */
  readStdin?(): Promise<string>;
  /** Whether stdout is a terminal: raw bytes are refused there. */
  stdoutIsTTY?: boolean;
}

/**
 * @returns the real process streams and environment
 */
export function processIo(): CliIo {
  return {
    stdout: (chunk) => {
      process.stdout.write(chunk);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
