#!/usr/bin/env node
/**
 * The `rampart` command's entry point. It only sets V8 flags, then loads the CLI: the flags must be
 * set before any module compiles Cedar's wasm. The optimising wasm tier would keep ~50 MB of machine
 * code resident for Cedar; decisions are cached, so the baseline compiler is fast enough
 * (docs/decisions.md).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
await import('./main.js');
