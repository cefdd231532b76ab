/**
 * Builds the common-word table (src/guardrails/detectors/learned/vocabulary.ts) from benign text:
 * the benign rows a model is fitted on plus an optional larger corpus of ordinary text (the
 * toxicity set's tweets). Words are counted once per text and kept when at least `minTexts` texts
 * use them, so one-off names, typos and handles stay out.
 *
 * While fitting, each row's unknown-word cues are computed with a table built WITHOUT the row's
 * own source (`without`): the model then learns how often benign text of a source the table has
 * never seen (another language, slang) looks unknown, instead of learning that benign text is
 * always known. The shipped model looks words up in the table of all sources (`all`).
 */
import { Tokens } from '../../src/guardrails/detectors/learned/tokens.js';
import { WordTable } from '../../src/guardrails/detectors/learned/vocabulary.js';

export interface VocabularyRecipe {
  minTexts: number;
  /** Extra benign text; it counts as source `group` (left out with it). */
  corpus?: { texts: readonly string[]; group: string };
}

type Counts = Map<number, number>;

function countWords(texts: Iterable<string>, into: Counts = new Map()): Counts {
  // A private table, so the shared per-text token cache of the runtime is not disturbed.
  const t = new Tokens();
  const seen = new Set<number>();
  for (const text of texts) {
    t.tokenize(text);
    seen.clear();
    for (let k = 0; k < t.count; k++) if ((t.flags[k] & 24) === 16) seen.add(t.lower[k]); // words, not numbers
    for (const h of seen) into.set(h, (into.get(h) ?? 0) + 1);
  }
  return into;
}

// The corpus is the same for every fit: counted once.
const corpusCounts = new WeakMap<readonly string[], Counts>();

export class Vocabularies {
  private readonly bySource = new Map<string, Counts>();
  private readonly cache = new Map<string | null, WordTable>();

  /** `benign`: the fitted benign rows' texts with their source group. */
  constructor(
    benign: ReadonlyArray<{ text: string; group: string }>,
    private readonly v: VocabularyRecipe,
  ) {
    const groups = new Map<string, string[]>();
    for (const r of benign) groups.set(r.group, [...(groups.get(r.group) ?? []), r.text]);
    for (const [g, texts] of groups) this.bySource.set(g, countWords(texts));
    const corpus = v.corpus;
    if (corpus) {
      let c = corpusCounts.get(corpus.texts);
      if (!c) corpusCounts.set(corpus.texts, (c = countWords(corpus.texts)));
      // The corpus stands in for its group's rows (a tweet in both counts twice: harmless for a
      // cut at two texts, and it keeps the counts independent of which rows are fitted).
      const own = this.bySource.get(corpus.group);
      const merged = new Map(c);
      if (own) for (const [h, n] of own) merged.set(h, (merged.get(h) ?? 0) + n);
      this.bySource.set(corpus.group, merged);
    }
  }

  /** The table of every source: what the shipped model uses. */
  all(): WordTable {
    return this.without(null);
  }

  /** The table without one source group (null: none left out). */
  without(group: string | null): WordTable {
    let t = this.cache.get(group);
    if (t) return t;
    const counts: Counts = new Map();
    for (const [g, c] of this.bySource) {
      if (g === group) continue;
      for (const [h, n] of c) counts.set(h, (counts.get(h) ?? 0) + n);
    }
    const keep: number[] = [];
    for (const [h, n] of counts) if (n >= this.v.minTexts) keep.push(h);
    // Sorted, so the table's bits never depend on Map iteration order (they do not, but the
    // training stays obviously deterministic).
    keep.sort((a, b) => a - b);
    t = WordTable.fromHashes(keep);
    this.cache.set(group, t);
    return t;
  }
}
