/**
 * Masking. ANONYMIZE replaces a match with `{TYPE}` as Bedrock does. Reversible mode instead uses
 * numbered placeholders (`{EMAIL_1}`) recorded in a per-request vault, so the model never sees
 * the value but the caller gets it back in the answer (the restorer undoes the placeholders, also
 * when one arrives split across stream chunks).
 */
import { sortInPlace } from './detectors/intervals.js';

export interface MaskSpan {
  start: number;
  end: number;
  /** Bedrock PII type, regex name, or Rampart type; becomes the placeholder text. */
  type: string;
  /** Fixed replacement instead of a placeholder (invisible characters are simply removed). */
  replacement?: string;
}

/**
 * Sorts and removes overlaps: of two overlapping spans the earlier wins, and of two starting
 * together the longer, so a masked value is never left half visible.
 */
export function mergeSpans(spans: readonly MaskSpan[]): MaskSpan[] {
  const own: MaskSpan[] = [];
  for (const s of spans) if (s.end > s.start) own.push({ ...s });
  return mergeOwnSpans(own);
}

function byStartLongest(a: MaskSpan, b: MaskSpan): number {
  return a.start - b.start || b.end - a.end;
}

/**
 * mergeSpans for spans the caller owns and no longer needs (the engine's, built per evaluation):
 * merges in place, reusing the array and its span objects instead of copying them. Returns `spans`.
 */
export function mergeOwnSpans(spans: MaskSpan[]): MaskSpan[] {
  let n = 0;
  for (const s of spans) if (s.end > s.start) spans[n++] = s;
  spans.length = n;
  sortInPlace(spans, byStartLongest);
  let kept = 0;
  for (const s of spans) {
    const last = kept > 0 ? spans[kept - 1] : undefined;
    if (last && s.start < last.end) {
      // Overlap: extend the kept span so the union is covered.
      if (s.end > last.end) last.end = s.end;
      // A fixed replacement covers only its own span; a placeholder covers the union.
      if (last.replacement !== undefined && s.replacement === undefined) {
        delete last.replacement;
        last.type = s.type;
      }
      continue;
    }
    spans[kept++] = s;
  }
  spans.length = kept;
  return spans;
}

/** Placeholder type names are restricted so the restorer can recognise them unambiguously. */
function placeholderType(type: string): string {
  let t = placeholderTypes.get(type);
  if (t === undefined) {
    t = type.toUpperCase().replace(/[^A-Z0-9_]/g, '_') || 'REDACTED';
    // Types are entity and regex names, a bounded set; the bound only guards against surprises.
    if (placeholderTypes.size < 1000) placeholderTypes.set(type, t);
  }
  return t;
}
const placeholderTypes = new Map<string, string>();

/** One request's reversible mapping. Never logged: it holds the very values the guardrail hid. */
export class Vault {
  private readonly byPlaceholder = new Map<string, string>();
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The same value gets the same placeholder within a request, so the model can refer back to it. */
  placeholder(type: string, value: string): string {
    const t = placeholderType(type);
    const key = `${t}\u0000${value}`;
    const known = this.byValue.get(key);
    if (known) return known;
    const n = (this.counters.get(t) ?? 0) + 1;
    this.counters.set(t, n);
    const ph = `{${t}_${n}}`;
    this.byValue.set(key, ph);
    this.byPlaceholder.set(ph, value);
    return ph;
  }

  lookup(placeholder: string): string | undefined {
    return this.byPlaceholder.get(placeholder);
  }

  get size(): number {
    return this.byPlaceholder.size;
  }

  /** Restores every complete placeholder in `text`; unknown ones stay as they are. */
  restore(text: string): string {
    if (this.byPlaceholder.size === 0 || !text.includes('{')) return text;
    return text.replace(PLACEHOLDER, (m) => this.byPlaceholder.get(m) ?? m);
  }
}

const PLACEHOLDER = /\{[A-Z0-9_]+_\d+\}/g;
/** A tail that could still grow into a placeholder: `{`, `{EMA`, `{EMAIL_`, `{EMAIL_1`. */
const PARTIAL_TAIL = /\{[A-Z0-9_]*$/;
const MAX_PLACEHOLDER = 80;

/**
 * Replaces spans with `{TYPE}`, or with vault placeholders when a vault is given. Spans must be
 * merged (see mergeSpans) and relative to `text`.
 */
export function applyMasks(text: string, spans: readonly MaskSpan[], vault?: Vault): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start);
    if (s.replacement !== undefined) out += s.replacement;
    else out += vault ? vault.placeholder(s.type, text.slice(s.start, s.end)) : `{${placeholderType(s.type)}}`;
    at = s.end;
  }
  return out + text.slice(at);
}

export interface Restorer {
  /** Returns the text that is safe to release now; may hold back a possible placeholder prefix. */
  push(chunk: string): string;
  /** End of stream: releases whatever is held. */
  flush(): string;
}

/** Streaming restorer: holds back at most one incomplete placeholder between chunks. */
export function createRestorer(vault: Vault): Restorer {
  let held = '';
  return {
    push(chunk) {
      const text = held + chunk;
      held = '';
      const tail = PARTIAL_TAIL.exec(text);
      let ready = text;
      if (tail && text.length - tail.index <= MAX_PLACEHOLDER) {
        held = text.slice(tail.index);
        ready = text.slice(0, tail.index);
      }
      return vault.restore(ready);
    },
    flush() {
      const rest = vault.restore(held);
      held = '';
      return rest;
    },
  };
}
