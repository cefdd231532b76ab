import type { StopReason, StreamEvent } from '../translate/ir.js';
import type { Finding } from './types.js';
import type { CompiledGuardrail } from './compile.js';
import type { EvaluateOptions } from './engine.js';
import type { GuardrailAssessment } from './assessment.js';
import { applyMasks, createRestorer, mergeSpans, type MaskSpan, type Restorer, type Vault } from './anonymize.js';

/**
 * Output guarding of a streamed answer (text blocks; tool-call arguments pass through).
 *
 * sync: text is held in a window. Once more than windowChars + step are held, the held text (with
 * up to windowChars of already-released text before it as context) is scanned, and everything but
 * the last windowChars is released, cut at whitespace and never inside a masked span. An entity
 * shorter than windowChars is therefore always seen whole and masked even when split across
 * chunks; the added delay is bounded by windowChars + step characters.
 *
 * async: every event is released at once; text is scanned after release, overlapping the read of
 * the next upstream event, with windowChars of overlap between scans. On a block the stream is
 * cut: open blocks are closed and a stop with the configured stop reason is sent. Async mode
 * cannot mask (the text is already out); ANONYMIZE findings are recorded only.
 */

export interface StreamGuardOptions {
  guardrails: readonly CompiledGuardrail[];
  mode: 'sync' | 'async';
  windowChars: number;
  evaluate?: EvaluateOptions;
  /** Reversible anonymisation of the input: placeholders in the answer are restored after guarding. */
  vault?: Vault;
  /** Stop reason sent when a guardrail cuts the stream. */
  stopReason: StopReason;
  /** Text sent before the cut (the guardrail's blocked-outputs message). */
  blockedMessage?: string;
  /** Called once when the stream ends, is cut, or is abandoned by the consumer. */
  onComplete?(results: StreamGuardResult[]): void;
}

export interface StreamGuardResult {
  guardrail: CompiledGuardrail;
  outcome: 'NONE' | 'BLOCKED' | 'ANONYMIZED';
  findings: Finding[];
  /** Assessment of the window that decided the outcome (the last one with findings). */
  assessment?: GuardrailAssessment;
}

interface TextState {
  /** Already-released original text kept as left context (at most windowChars). */
  context: string;
  pending: string;
  /** Absolute offset of pending[0] in the block's text. */
  base: number;
  restorer?: Restorer;
  /** The whole block's text, kept only when a guardrail has whole-answer checks. */
  whole?: string;
}

const RANK = { NONE: 0, ANONYMIZED: 1, BLOCKED: 2 } as const;

export async function* guardStream(events: AsyncIterable<StreamEvent>, opts: StreamGuardOptions): AsyncGenerator<StreamEvent> {
  const window = opts.windowChars;
  const step = Math.max(16, Math.floor(window / 4));
  const results = opts.guardrails.map((g): StreamGuardResult => ({ guardrail: g, outcome: 'NONE', findings: [] }));
  const seen = new Set<string>();
  const states = new Map<number, TextState>();
  const open = new Set<number>();
  /** Highest block index sent downstream; a blocked message opens the next one if no text block is open. */
  let emittedMax = -1;

  /** Scans one window; `base` is the absolute offset of text[0], used to count a finding once. */
  const keepWhole = opts.guardrails.some((g) => g.wholeOutputChecks);
  const scan = (index: number, text: string, base: number, scope: 'window' | 'whole' = 'window'): { blocked: boolean; spans: MaskSpan[] } => {
    let blocked = false;
    const spans: MaskSpan[] = [];
    opts.guardrails.forEach((g, gi) => {
      if (scope === 'whole' && !g.wholeOutputChecks) return;
      const ev = g.evaluate([text], 'OUTPUT', { ...opts.evaluate, scope });
      const r = results[gi];
      for (const f of ev.findings) {
        const key = `${gi}:${index}:${f.detector}:${f.type}:${f.start === undefined ? text : base + f.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        r.findings.push(f.start === undefined ? f : { ...f, start: base + f.start, end: base + (f.end ?? f.start) });
        r.assessment = ev.assessment;
      }
      if (RANK[ev.outcome] > RANK[r.outcome]) r.outcome = ev.outcome;
      if (g.mode !== 'enforce') return;
      if (ev.outcome === 'BLOCKED') blocked = true;
      else if (ev.outcome === 'ANONYMIZED') spans.push(...ev.masks[0]);
    });
    return { blocked, spans: mergeSpans(spans) };
  };

  const state = (index: number): TextState => {
    let st = states.get(index);
    if (!st) {
      st = { context: '', pending: '', base: 0, restorer: opts.vault ? createRestorer(opts.vault) : undefined, whole: keepWhole ? '' : undefined };
      states.set(index, st);
    }
    return st;
  };

  /** sync: scans held text and returns what may be released; undefined means cut the stream. */
  const release = (index: number, st: TextState, final: boolean): string | undefined => {
    if (st.pending.length === 0) return '';
    const full = st.context + st.pending;
    const { blocked, spans } = scan(index, full, st.base - st.context.length);
    if (blocked) return undefined;
    const shift = st.context.length;
    const rel = spans
      .map((s) => ({ ...s, start: Math.max(0, s.start - shift), end: s.end - shift }))
      .filter((s) => s.end > 0);
    let cut = final ? st.pending.length : cutPoint(st.pending, window);
    for (const s of rel) if (s.start < cut && s.end > cut) cut = s.start;
    const released = st.pending.slice(0, cut);
    const out = applyMasks(released, rel.filter((s) => s.end <= cut));
    st.context = (st.context + released).slice(-window);
    st.pending = st.pending.slice(cut);
    st.base += cut;
    return out;
  };

  /** Whole-answer checks when a text block ends; true means cut. */
  const wholeBlocked = (index: number): boolean => {
    const st = states.get(index);
    if (st?.whole === undefined) return false;
    const blocked = scan(index, st.whole, 0, 'whole').blocked;
    st.whole = '';
    return blocked;
  };

  const textOut = (index: number, st: TextState, text: string, final: boolean): StreamEvent[] => {
    let t = st.restorer ? st.restorer.push(text) : text;
    if (final && st.restorer) t += st.restorer.flush();
    if (!t) return [];
    open.add(index);
    emittedMax = Math.max(emittedMax, index);
    return [{ type: 'text', index, text: t }];
  };

  const cut = (): StreamEvent[] => {
    const out: StreamEvent[] = [];
    if (opts.blockedMessage) {
      const textIndex = [...open].find((i) => states.has(i)) ?? emittedMax + 1;
      out.push({ type: 'text', index: textIndex, text: opts.blockedMessage });
      open.add(textIndex);
    }
    for (const i of open) out.push({ type: 'block_stop', index: i });
    out.push({ type: 'stop', stopReason: opts.stopReason });
    return out;
  };

  /** sync: releases all held text of every block (before a non-text event, to keep order). */
  const flushAll = (final: boolean): StreamEvent[] | undefined => {
    const out: StreamEvent[] = [];
    for (const [i, st] of states) {
      const r = release(i, st, true);
      if (r === undefined) return undefined;
      out.push(...textOut(i, st, r, final));
    }
    return out;
  };

  // async: the scan of released text that is running, and what it has not yet covered.
  let inflight: Promise<boolean> | undefined;
  const scheduleScan = (index: number, st: TextState, force: boolean) => {
    if (st.pending.length === 0 || (!force && st.pending.length < step)) return;
    const full = st.context + st.pending;
    const base = st.base - st.context.length;
    st.context = full.slice(-window);
    st.base += st.pending.length;
    st.pending = '';
    const prev = inflight;
    inflight = new Promise<boolean>((resolve) => setImmediate(() => resolve(scan(index, full, base).blocked))).then(
      async (b) => b || (prev ? await prev : false),
    );
  };
  const asyncBlocked = async (): Promise<boolean> => {
    if (!inflight) return false;
    const b = await inflight;
    inflight = undefined;
    return b;
  };

  const it = events[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const nextP = it.next();
      if (opts.mode === 'async' && inflight) {
        nextP.catch(() => undefined);
        if (await asyncBlocked()) {
          yield* cut();
          return;
        }
      }
      const n = await nextP;
      if (n.done) break;
      const ev = n.value;

      if (opts.mode === 'async') {
        if (ev.type === 'text') {
          const st = state(ev.index);
          const out = textOut(ev.index, st, ev.text, false);
          for (const o of out) yield o;
          st.pending += ev.text;
          if (st.whole !== undefined) st.whole += ev.text;
          scheduleScan(ev.index, st, false);
          continue;
        }
        if (ev.type === 'block_stop' || ev.type === 'stop') {
          for (const [i, st] of states) if (ev.type === 'stop' || i === ev.index) scheduleScan(i, st, true);
          if ((await asyncBlocked()) || (ev.type === 'block_stop' && wholeBlocked(ev.index))) {
            yield* cut();
            return;
          }
          if (ev.type === 'block_stop') {
            const st = states.get(ev.index);
            if (st?.restorer) yield* textOut(ev.index, st, '', true);
          }
        }
      } else if (ev.type === 'text') {
        const st = state(ev.index);
        st.pending += ev.text;
        if (st.whole !== undefined) st.whole += ev.text;
        if (st.pending.length >= window + step) {
          const r = release(ev.index, st, false);
          if (r === undefined) {
            yield* cut();
            return;
          }
          yield* textOut(ev.index, st, r, false);
        }
        continue;
      } else if (ev.type === 'block_stop' && states.has(ev.index)) {
        const st = states.get(ev.index)!;
        const r = wholeBlocked(ev.index) ? undefined : release(ev.index, st, true);
        if (r === undefined) {
          yield* cut();
          return;
        }
        yield* textOut(ev.index, st, r, true);
      } else {
        const out = flushAll(false);
        if (out === undefined) {
          yield* cut();
          return;
        }
        yield* out;
      }
      if (ev.type === 'block_stop') open.delete(ev.index);
      else if (ev.type === 'tool_call_start') open.add(ev.index);
      if ('index' in ev) emittedMax = Math.max(emittedMax, ev.index);
      yield ev;
    }
    // The upstream ended without a stop event: release or cut what is left.
    if (opts.mode === 'async') {
      for (const [i, st] of states) scheduleScan(i, st, true);
      if (await asyncBlocked()) yield* cut();
    } else {
      const out = flushAll(true);
      if (out === undefined) yield* cut();
      else yield* out;
    }
    finished = true;
  } finally {
    // Cut or abandoned: close the upstream so it stops generating (and costing).
    if (!finished) await it.return?.();
    opts.onComplete?.(results);
  }
}

/** Where sync mode may cut: leave `window` chars held, cut after whitespace, or hard-cut if there is none. */
function cutPoint(pending: string, window: number): number {
  const target = pending.length - window;
  if (target <= 0) return 0;
  for (let i = target; i > 0; i--) if (/\s/.test(pending[i - 1])) return i;
  return target;
}
