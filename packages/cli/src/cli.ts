#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './run.js';

// exitCode rather than process.exit(): stdout may still be flushing into a pipe.
run(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
