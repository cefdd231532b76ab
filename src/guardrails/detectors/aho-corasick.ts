/**
 * Aho-Corasick automaton, case-insensitive, compiled to a dense transition table: every literal
 * pattern is found in one left-to-right pass costing one table lookup per character, whatever the
 * number of patterns. Word lists and context keywords use it instead of regex alternations, whose
 * cost grows with the number of alternatives at every position.
 */

/** Called per match with the pattern's index in the constructor's list and its [start, end). */
export type AcCallback = (pattern: number, start: number, end: number) => void;

/** Case folding shared by patterns and text: ASCII and simple one-to-one Unicode lower case. */
function fold(c: number): number {
  if (c >= 128) return (foldTable ??= buildFoldTable())[c];
  return c >= 65 && c <= 90 ? c + 32 : c;
}

// fold() of every UTF-16 code unit, built once (65536 toLowerCase calls take milliseconds, too
// long to repeat for every word filter a config compiles).
let foldTable: Uint16Array | undefined;
function buildFoldTable(): Uint16Array {
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) t[c] = computeFold(c);
  return t;
}

function computeFold(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  const l = String.fromCharCode(c).toLowerCase();
  return l.length === 1 ? l.charCodeAt(0) : c;
}

export class AhoCorasick {
  /** UTF-16 code unit -> symbol; 0 is "a character no pattern contains". */
  private readonly symbol = new Uint16Array(65536);
  private readonly alphabet: number;
  /**
   * Transition table. Entries are the target's row offset (state * alphabet, saving a multiply per
   * character), stored as -(offset + 1) when the target state has outputs: one sign test per
   * character decides whether anything matched.
   */
  private readonly delta: Int32Array;
  /** Patterns that end in each state, including those reached through failure links. */
  private readonly outputs: number[][];
  private readonly lengths: number[];

  constructor(patterns: readonly string[]) {
    this.lengths = patterns.map((p) => p.length);
    let nextSymbol = 1;
    const symbolOf = (c: number): number => {
      const f = fold(c);
      if (this.symbol[f] === 0) {
        this.symbol[f] = nextSymbol++;
      }
      return this.symbol[f];
    };
    // Trie with sparse children first; the dense table is filled once the alphabet is known.
    const children: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    patterns.forEach((p, i) => {
      if (p.length === 0) return;
      let node = 0;
      for (let k = 0; k < p.length; k++) {
        const sym = symbolOf(p.charCodeAt(k));
        let n = children[node].get(sym);
        if (n === undefined) {
          n = children.length;
          children.push(new Map());
          out.push([]);
          children[node].set(sym, n);
        }
        node = n;
      }
      out[node].push(i);
    });
    // Every code unit whose fold has a symbol shares it (so 'A' and 'a' are one symbol). Folding
    // is only non-trivial outside ASCII when some pattern has a non-ASCII character.
    const limit = patterns.some((p) => /[^\x00-\x7F]/.test(p)) ? 65536 : 128;
    for (let c = 0; c < limit; c++) {
      const f = fold(c);
      if (f !== c && this.symbol[f] !== 0) this.symbol[c] = this.symbol[f];
    }
    const A = nextSymbol;
    this.alphabet = A;
    const delta = new Int32Array(children.length * A);
    const fail = new Int32Array(children.length);
    const queue: number[] = [];
    for (const [sym, n] of children[0]) {
      delta[sym] = n;
      queue.push(n);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi];
      if (out[fail[u]].length > 0) out[u] = out[u].concat(out[fail[u]]);
      for (let sym = 0; sym < A; sym++) {
        const v = children[u].get(sym);
        if (v === undefined) delta[u * A + sym] = delta[fail[u] * A + sym];
        else {
          delta[u * A + sym] = v;
          fail[v] = delta[fail[u] * A + sym];
          queue.push(v);
        }
      }
    }
    // Symbol 0 (characters in no pattern) always returns to the root.
    for (let s = 0; s < children.length; s++) delta[s * A] = 0;
    for (let k = 0; k < delta.length; k++) {
      const target = delta[k];
      delta[k] = out[target].length > 0 ? -(target * A) - 1 : target * A;
    }
    this.delta = delta;
    this.outputs = out;
  }

  /**
   * Every occurrence (overlapping ones included) of every pattern in `text`. Positional arguments
   * rather than a match object: no allocation per match on the hot path.
   */
  findAll(text: string, onMatch: AcCallback): void {
    const { delta, symbol, outputs, alphabet: A } = this;
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      const v = delta[row + symbol[text.charCodeAt(i)]];
      if (v >= 0) row = v;
      else {
        row = -v - 1;
        const outs = outputs[row / A];
        for (let k = 0; k < outs.length; k++) {
          const p = outs[k];
          onMatch(p, i + 1 - this.lengths[p], i + 1);
        }
      }
    }
  }
}
