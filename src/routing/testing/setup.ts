/** Test wiring: fault upstreams behind real OpenAI providers (createProvider), one deployment each. */
import { createProvider } from '../../providers/index.js';
import { OpenAIProviderSchema } from '../../config/schema.js';
import type { Provider, Deployment } from '../../providers/types.js';
import { startFaultUpstream, type Fault, type FaultUpstream } from '../../../test/support/fault-upstream.js';
import { testContext, testModel, chatRequest } from '../../limits/testing/context.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { StreamEvent } from '../../translate/ir.js';

export interface Rig {
  ups: Record<string, FaultUpstream>;
  providers: Map<string, Provider>;
  deployments: Deployment[];
  ctx(opts?: { stream?: boolean; text?: string; signal?: AbortSignal }): RequestContext;
  close(): Promise<void>;
}

export async function rig(faults: Record<string, Fault | ((n: number) => Fault)>, weights: Record<string, number> = {}): Promise<Rig> {
  const ups: Record<string, FaultUpstream> = {};
  const providers = new Map<string, Provider>();
  const deployments: Deployment[] = [];
  for (const [name, f] of Object.entries(faults)) {
    const up = await startFaultUpstream(f, name);
    ups[name] = up;
    providers.set(name, createProvider(OpenAIProviderSchema.parse({ kind: 'openai', name, baseUrl: up.url, apiKey: 'sk-test', timeouts: { connectMs: 1_000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 30_000 } })));
    deployments.push({ id: `${name}/m`, provider: name, upstreamModel: 'm', weight: weights[name] ?? 1 });
  }
  const model = testModel('gpt-test', deployments);
  return {
    ups,
    providers,
    deployments,
    ctx: (o = {}) => testContext({ providers, model, signal: o.signal, chat: chatRequest(o.text ?? 'hi', { stream: o.stream ?? false, includeUsage: true }) }),
    close: async () => {
      await Promise.all([...providers.values()].map((p) => p.close()));
      await Promise.all(Object.values(ups).map((u) => u.close()));
    },
  };
}

export async function drain(ctx: RequestContext): Promise<{ text: string; events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  let text = '';
  try {
    for await (const ev of ctx.stream!) {
      events.push(ev);
      if (ev.type === 'text') text += ev.text;
    }
  } catch (error) {
    return { text, events, error };
  }
  return { text, events };
}
