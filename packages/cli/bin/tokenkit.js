#!/usr/bin/env node
// Committed launcher: package managers link `bin` entries at install time, before
// `dist/` is built in a fresh workspace clone, so the bin must not point into dist.
// Run from a clone before `pnpm build`, it says what to run instead of printing a stack trace.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
try {
  await import(built.href);
} catch (err) {
  const missing = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
  // dist/cli.js itself, or a workspace package it imports (@tokenkit/core, @tokenkit/redis), is not built.
  if (!missing || (existsSync(built) && !/[/\\]dist[/\\]|@tokenkit\//.test(String(err?.message)))) throw err;
  process.stderr.write(
    'tokenkit: the CLI is not built yet (this is a source checkout).\n' +
      'Run `pnpm build` in the repository root once, then `pnpm exec tokenkit --help`.\n',
  );
  process.exit(1);
}
