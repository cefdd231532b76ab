import { RampartError, badRequest } from '../errors.js';
import type { RequestContext, GuardrailOutcome } from '../pipeline/context.js';
import type { GuardInputStage, GuardOutputStage } from '../pipeline/stages.js';
import type { StreamEvent, StopReason } from '../translate/ir.js';
import type { CompiledGuardrail } from './compile.js';
import type { Evaluation } from './engine.js';
import { redactAssessment } from './assessment.js';
import { Vault } from './anonymize.js';
import { canaryInstruction, newCanary } from './leak.js';
import { guardStream } from './streaming.js';
import { DRAFT } from './registry.js';

/**
 * The guardInput and guardOutput stages. Guardrails run in the order resolve() returns them; the
 * first enforce-mode block stops the request (input) or replaces the answer (output). Per-request
 * state (the reversible vault, the canary, the system prompt as the model saw it) lives in a
 * WeakMap keyed by the context, so RequestContext stays free of guardrail internals.
 */

export interface GuardStagesOptions {
  /** The guardrails that apply to this request (see selectGuardrails); may throw to fail closed. */
  resolve(ctx: RequestContext): readonly CompiledGuardrail[] | Promise<readonly CompiledGuardrail[]>;
  /** Contextual grounding material for a chat answer, when the deployment has some. */
  grounding?(ctx: RequestContext): { sources: string[]; query?: string } | undefined;
}

interface RequestState {
  guardrails: readonly CompiledGuardrail[];
  vault?: Vault;
  canary?: string;
  systemPrompt?: string[];
}

/** A text field of the request that guardInput may rewrite. */
interface Slot {
  get(): string;
  set(v: string): void;
}

function outcomeOf(g: CompiledGuardrail, ev: Evaluation, source: 'INPUT' | 'OUTPUT'): GuardrailOutcome {
  return {
    guardrailId: g.id,
    version: g.version,
    source,
    action: ev.action === 'NONE' ? 'NONE' : ev.outcome === 'BLOCKED' ? 'INTERVENED' : 'ANONYMIZED',
    findings: ev.findings,
    mode: g.mode,
    // Logs and the audit trail get the assessment without the matched values.
    assessment: redactAssessment(ev.assessment),
  };
}

function stopReasonFor(ctx: RequestContext): StopReason {
  return ctx.clientApi === 'bedrock' ? 'guardrail_intervened' : 'content_filter';
}

export function createGuardStages(opts: GuardStagesOptions): { guardInput: GuardInputStage; guardOutput: GuardOutputStage } {
  const states = new WeakMap<RequestContext, RequestState>();

  const stateOf = async (ctx: RequestContext): Promise<RequestState> => {
    let st = states.get(ctx);
    if (!st) {
      st = { guardrails: await opts.resolve(ctx) };
      states.set(ctx, st);
    }
    return st;
  };

  const guardInput: GuardInputStage = {
    name: 'guardInput',
    async run(ctx) {
      const st = await stateOf(ctx);
      if (st.guardrails.length === 0) return;
      const slots: Slot[] = [];
      // The developer's system prompt and the model's earlier turns, which PROMPT_ATTACK skips
      // (rampart.promptAttack.scope); a tool result is outside data, where indirect injection lives,
      // and a Bedrock guardContent block is text the client asked to have assessed.
      const trusted: boolean[] = [];
      if (ctx.chat) {
        const chat = ctx.chat;
        chat.system.forEach((_, i) => {
          slots.push({ get: () => chat.system[i], set: (v) => (chat.system[i] = v) });
          trusted.push(!chat.guardedSystem?.includes(i));
        });
        for (const m of chat.messages) {
          for (const p of m.content) {
            // Tool-call arguments are the model's own earlier output (JSON); they are not rewritten.
            if (p.type === 'text') slots.push({ get: () => p.text, set: (v) => (p.text = v) });
            else if (p.type === 'tool_result') slots.push({ get: () => p.content, set: (v) => (p.content = v) });
            else continue;
            trusted.push(m.role === 'assistant' && p.type === 'text' && p.guard !== true);
          }
        }
      } else if (ctx.embed) {
        const input = ctx.embed.input;
        input.forEach((_, i) => slots.push({ get: () => input[i], set: (v) => (input[i] = v) }));
      }
      if (st.guardrails.some((g) => g.reversible)) st.vault = new Vault();
      for (const g of st.guardrails) {
        const ev = g.evaluate(
          slots.map((s) => s.get()),
          'INPUT',
          { vault: st.vault, trusted },
        );
        ctx.guardrails.push(outcomeOf(g, ev, 'INPUT'));
        if (ev.action === 'NONE') continue;
        if (ev.outcome === 'BLOCKED') throw new RampartError('guardrail_intervened', { message: g.blockedInputMessaging });
        ev.outputs.forEach((t, i) => slots[i].set(t));
      }
      if (ctx.chat && st.guardrails.some((g) => g.canary)) {
        st.systemPrompt = [...ctx.chat.system];
        st.canary = newCanary();
        ctx.chat.system.push(canaryInstruction(st.canary));
      }
    },
  };

  const guardOutput: GuardOutputStage = {
    name: 'guardOutput',
    async run(ctx) {
      const res = ctx.response;
      if (!res) return;
      const st = await stateOf(ctx);
      const grounding = opts.grounding?.(ctx);
      for (const g of st.guardrails) {
        const parts = res.content.filter((p) => p.type === 'text');
        if (parts.length === 0) break;
        const ev = g.evaluate(
          parts.map((p) => p.text),
          'OUTPUT',
          { canary: st.canary, systemPrompt: st.systemPrompt, groundingSources: grounding?.sources, query: grounding?.query },
        );
        ctx.guardrails.push(outcomeOf(g, ev, 'OUTPUT'));
        if (ev.action === 'NONE') continue;
        if (ev.outcome === 'BLOCKED') {
          res.content = [{ type: 'text', text: g.blockedOutputsMessaging }];
          res.stopReason = stopReasonFor(ctx);
          return;
        }
        parts.forEach((p, i) => (p.text = ev.outputs[i]));
      }
      // Placeholders go back to their values only after the answer passed the output guardrails.
      const vault = st.vault;
      if (vault && vault.size > 0) {
        for (const p of res.content) {
          if (p.type === 'text') p.text = vault.restore(p.text);
          else p.arguments = vault.restore(p.arguments);
        }
      }
    },
    wrapStream(ctx, events): AsyncIterable<StreamEvent> {
      const st = states.get(ctx);
      // Fast path: guardInput already resolved and nothing applies.
      if (st && st.guardrails.length === 0 && !st.vault?.size) return events;
      return guarded(ctx, events);
    },
  };

  /** Resolves lazily when guardInput did not run, so output guarding never depends on it (fail closed). */
  async function* guarded(ctx: RequestContext, events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
    const st = await stateOf(ctx);
    const gs = st.guardrails;
    const vault = st.vault && st.vault.size > 0 ? st.vault : undefined;
    if (gs.length === 0 && !vault) {
      yield* events;
      return;
    }
    // The strictest setting of the attached guardrails wins: sync if any asks for it, the widest window.
    const mode = gs.length === 0 || gs.some((g) => g.streaming.mode === 'sync') ? 'sync' : 'async';
    const windowChars = Math.max(16, ...gs.map((g) => g.streaming.windowChars));
    const blocking = gs.find((g) => g.mode === 'enforce');
    const grounding = opts.grounding?.(ctx);
    yield* guardStream(events, {
      guardrails: gs,
      mode,
      windowChars,
      vault,
      evaluate: { canary: st.canary, systemPrompt: st.systemPrompt, groundingSources: grounding?.sources, query: grounding?.query },
      stopReason: stopReasonFor(ctx),
      blockedMessage: blocking?.blockedOutputsMessaging,
      onComplete(results) {
        for (const r of results) {
          const enforce = r.guardrail.mode === 'enforce';
          ctx.guardrails.push({
            guardrailId: r.guardrail.id,
            version: r.guardrail.version,
            source: 'OUTPUT',
            action: !enforce || r.outcome === 'NONE' ? 'NONE' : r.outcome === 'BLOCKED' ? 'INTERVENED' : 'ANONYMIZED',
            findings: r.findings,
            mode: r.guardrail.mode,
            assessment: r.assessment && redactAssessment(r.assessment),
          });
        }
      },
    });
  }

  return { guardInput, guardOutput };
}

export interface GuardrailRef {
  id: string;
  version: string;
}

const REF = /^(?:arn:aws[\w-]*:bedrock:[\w-]*:\d*:guardrail\/)?([A-Za-z0-9_-]{1,64})(?::(DRAFT|[1-9]\d{0,7}))?$/;

/**
 * Parses `id`, `id:version` or a Bedrock guardrail ARN (optionally `:version`); the version
 * defaults to DRAFT. Throws bad_request naming `param` on anything else.
 */
export function parseGuardrailRef(value: string, param = 'x-rampart-guardrail'): GuardrailRef {
  const m = REF.exec(value.trim());
  if (!m) throw badRequest('Invalid guardrail reference; expected id[:version].', param);
  return { id: m[1], version: m[2] ?? DRAFT };
}

/** The client's Bedrock `guardrailConfig` (Converse/InvokeModel) as a reference; bad_request naming `param` if malformed. */
export function bedrockGuardrailRef(cfg: { guardrailIdentifier?: unknown; guardrailVersion?: unknown }, param = 'guardrailConfig'): GuardrailRef {
  const id = cfg.guardrailIdentifier;
  const version = cfg.guardrailVersion;
  if (typeof id !== 'string' || (version !== undefined && typeof version !== 'string')) {
    throw badRequest('guardrailConfig needs a guardrailIdentifier and a guardrailVersion.', param);
  }
  return parseGuardrailRef(version === undefined ? id : `${id}:${version}`, param);
}

/**
 * Which guardrails apply: every operator attachment (keys, roles, applications) plus at most one
 * the client asked for (header or Bedrock guardrailConfig). A client can add guarding, never
 * remove it: its request cannot drop or replace an attached guardrail, even one with the same id.
 */
export function selectGuardrails(input: { attached: readonly string[]; requested?: GuardrailRef }): GuardrailRef[] {
  const out: GuardrailRef[] = [];
  const seen = new Set<string>();
  const add = (r: GuardrailRef) => {
    const key = `${r.id}\u0000${r.version}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  for (const a of input.attached) add(parseGuardrailRef(a, 'guardrails'));
  if (input.requested) add(input.requested);
  return out;
}
