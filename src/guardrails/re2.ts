/**
 * re2js (the linear-time engine for operators' patterns), loaded on the first pattern: a gateway
 * whose guardrails have no custom regex never holds it (~2 MB resident). Synchronous, through the
 * package's CommonJS build, because schemas and the compiler are synchronous.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

let engine: typeof RE2JS | undefined;

export function re2(): typeof RE2JS {
  engine ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;
  return engine;
}
