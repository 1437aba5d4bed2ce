#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './run.js';

// `tokenkit token --bytes 1048576 | head -c 16`: the reader went away, which is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

// exitCode rather than process.exit(): stdout may still be flushing into a pipe.
run(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
