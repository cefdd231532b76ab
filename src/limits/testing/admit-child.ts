/**
 * One "gateway instance" for the cross-process test: runs the real limit stage against Redis,
 * fires `count` admissions with `parallel` in flight, prints {"admitted":N,"refused":M}.
 * argv: redisUrl keyPrefix count parallel pauseMs (between one worker's requests, so both
 * processes are still sending when the limit is reached even if one starts late on a busy box)
 */
import { createLimitStage } from '../stage.js';
import { compileLimits } from '../compile.js';
import { LimitsSchema } from '../schema.js';
import { RedisLimitStore } from '../redis-store.js';
import { testContext } from './context.js';
import { RampartError } from '../../errors.js';

const [url, prefix, countS, parallelS, pauseS] = process.argv.slice(2);
const pauseMs = Number(pauseS ?? 0);
const store = new RedisLimitStore({ url, keyPrefix: prefix, commandTimeoutMs: 5_000 });
await store.connect();
const stage = createLimitStage({
  limits: compileLimits(LimitsSchema.parse({ rules: [{ id: 'per-key', on: 'key', rpm: 100 }] })),
  store,
});
// Wait for the parent's go signal so both processes hit Redis at the same time.
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
let admitted = 0, refused = 0, next = 0;
const count = Number(countS);
async function worker(): Promise<void> {
  while (next < count) {
    next++;
    const ctx = testContext();
    try {
      await stage.run(ctx);
      admitted++;
      stage.settle(ctx);
    } catch (err) {
      if (err instanceof RampartError && err.code === 'rate_limited') refused++;
      else throw err;
    }
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}
await Promise.all(Array.from({ length: Number(parallelS) }, worker));
await store.close();
process.stdout.write(JSON.stringify({ admitted, refused }) + '\n');
