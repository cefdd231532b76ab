#!/usr/bin/env node
/**
 * The `rampart` command's entry point. It only sets V8 flags, then loads the CLI: the flags must be
 * set before any module compiles Cedar's wasm. The optimising wasm tier would keep ~50 MB of machine
 * code resident for Cedar; decisions are cached, so the baseline compiler is fast enough
 * (docs/decisions.md).
 *
 * Loading the modules, the models and the policies keeps most of what it allocates, which makes V8
 * grow the young generation to its maximum (2 x 16 MB, resident from then on) before the first
 * request. Growth is held off until the gateway listens (`serve` restores the default factor), so an
 * idle gateway does not carry a young generation sized for load it has not seen.
 *
 * The guardrail detectors' hot functions are larger than V8's default inlining budget allows; a
 * larger budget (v8-flags.ts) makes them faster.
 */
import { setFlagsFromString } from 'node:v8';
import { setInliningFlags } from './v8-flags.js';

setFlagsFromString('--liftoff-only');
setFlagsFromString('--semi-space-growth-factor=1');
setInliningFlags();
await import('./main.js');
