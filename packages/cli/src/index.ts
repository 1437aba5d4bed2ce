/**
 * tokenkit — the command line as a library: `run(argv, io)` is exactly what
 * the `tokenkit` binary executes, so it can be embedded or tested in-process.
 */
export { run, VERSION } from './run.js';
export { processIo } from './io.js';
export type { CliIo } from './io.js';
export { ExitCode, CliError } from './errors.js';
export type { ExitCodeValue } from './errors.js';
