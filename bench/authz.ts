/**
 * Authorization cost: the authorize stage at steady state (decision cache hits), and one Cedar
 * decision on the stateful API (cache misses). Prints figures; asserts nothing.
 *   npm run build && node dist/bench/authz.js
 */
import { Authorizer } from '../src/authz/authorizer.js';
import { loadPolicies } from '../src/authz/policies.js';
import { createAuthorizeStage } from '../src/authz/stage.js';
import { keyPrincipal, model } from '../src/authz/testing.js';
import type { CompiledModel } from '../src/config/compile.js';
import type { RequestContext } from '../src/pipeline/context.js';

const authorizer = new Authorizer({ policies: loadPolicies(), cacheSize: 10_000 });
const catalog = new Map<string, CompiledModel>([['gpt-4o', model('gpt-4o')]]);
const stage = createAuthorizeStage({ authorizer, models: () => catalog });
const principal = keyPrincipal(['general-access'], { team: 'red', application: 'billing' });

function ctx(): RequestContext {
  return {
    requestId: 'b', receivedAt: 0, startedAt: new Date(), clientApi: 'openai', operation: 'chat', action: 'InvokeModel',
    sourceIp: '10.1.2.3', headers: {}, signal: new AbortController().signal, guardrails: [], attempts: 0,
    principal, chat: { model: 'gpt-4o', messages: [], stream: false },
  } as unknown as RequestContext;
}

function time(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 200); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(44)} ${(ms / n).toFixed(4)} ms/op  (${n} ops)`);
}

const c = ctx();
time('authorize stage, cached decision', 50_000, () => {
  c.decision = undefined;
  stage.run(c);
});
time('Cedar decision, uncached (stateful API)', 1_000, (i) => {
  authorizer.decide({ ...principal, id: `apikey:bench-${i}` }, 'InvokeModel', { type: 'Model', model: catalog.get('gpt-4o')! }, { sourceIp: '10.1.2.3' });
});
