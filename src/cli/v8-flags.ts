/**
 * V8's inlining budget for the gateway. The guardrail detectors (tokeniser, cue scan, tagger, PII
 * scanners) are loops over typed arrays that call small helpers; with V8's defaults (460 bytes of
 * bytecode per inlined function, 920 per optimised function) the optimiser stops inlining those
 * helpers part-way. Measured on the full guardrail over the 4 KB bench prompt: 164-170 us per
 * evaluation with the defaults, 152-153 us with these (in-process, same build; larger budgets
 * gained nothing more). Set before the hot code is optimised: by the `rampart` entry point and by
 * bench/guardrail, so the bench measures what the gateway runs.
 */
import { setFlagsFromString } from 'node:v8';

export const INLINING_FLAGS = ['--max-inlined-bytecode-size=1500', '--max-inlined-bytecode-size-cumulative=3000'] as const;

export function setInliningFlags(): void {
  for (const flag of INLINING_FLAGS) setFlagsFromString(flag);
}
