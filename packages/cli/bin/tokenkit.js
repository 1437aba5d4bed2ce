#!/usr/bin/env node
// Committed launcher: package managers link `bin` entries at install time, before
// `dist/` is built in a fresh workspace clone, so the bin must not point into dist.
import '../dist/cli.js';
