/** Test helpers: request contexts as the pipeline leaves them, without a server. */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../config/runtime.js';
import type { RequestContext } from '../pipeline/context.js';

export function fakeContext(over: Partial<RequestContext> = {}): RequestContext {
  const now = performance.now();
  const ctx: RequestContext = {
    requestId: `req_${randomUUID()}`,
    receivedAt: now - 12.5,
    startedAt: new Date(),
    clientApi: 'openai',
    operation: 'chat',
    action: 'InvokeModel',
    sourceIp: '203.0.113.7',
    userAgent: 'OpenAI/JS 6.49.0',
    // A credential in the headers: a record must never contain it.
    headers: { authorization: 'Bearer rk_live_SECRET_SHOULD_NEVER_APPEAR', 'user-agent': 'OpenAI/JS 6.49.0' },
    signal: new AbortController().signal,
    runtime: {} as Runtime,
    principal: {
      id: 'apikey:key_0123456789abcdef',
      kind: 'api_key',
      name: 'ci key',
      roles: ['developer'],
      application: 'support-bot',
      keyId: 'key_0123456789abcdef',
      authMethod: 'api_key',
      mfa: false,
    },
    decision: { decision: 'allow', policyIds: ['policy0'], errors: [] },
    chat: {
      model: 'gpt-4o-mini',
      system: ['You are terse.'],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'My email is alice@example.com; say hi' }] }],
      stream: false,
      maxTokens: 64,
    },
    guardrails: [],
    deployment: { id: 'demo/gpt-4o-mini', provider: 'demo', upstreamModel: 'gpt-4o-mini', weight: 1 },
    attempts: 1,
    response: {
      id: 'chatcmpl_1',
      model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Hi Alice.' }],
      stopReason: 'end_turn',
      usage: { inputTokens: 21, outputTokens: 4 },
    },
    usage: { inputTokens: 21, outputTokens: 4 },
    firstByteAt: now - 5,
    finishedAt: now,
    status: 200,
    ...over,
  };
  return ctx;
}
