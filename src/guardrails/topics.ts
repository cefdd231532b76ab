import { contentTokens, ngrams, sentences, tokenKey, words } from './lexical.js';

/**
 * Denied topics without a model. Bedrock classifies topics with an LLM; Rampart has no weights for
 * arbitrary operator-defined topics, so it matches lexically:
 *  - each example and the definition become profiles of content-token keys (stemmed, five-letter
 *    prefix folded) and key bigrams;
 *  - a text is judged sentence by sentence (and whole, when short), so a long benign text does not
 *    dilute, nor does a long text collect stray words from everywhere;
 *  - score = best of: Dice overlap with an example (+ bigram bonus), overlap coefficient with the
 *    definition (weighted down: definitions describe, examples resemble), and 0.9 when the topic's
 *    name occurs as a phrase (the keyword rule);
 *  - detected when score >= threshold and at least two content keys are shared (one shared word
 *    is too weak a signal), or on the keyword rule.
 * Limits: paraphrases that share no content words are missed, and texts that borrow the
 * vocabulary for another purpose ("I won't give investment advice") are flagged. Operators should
 * give examples in their users' wording, and pair topics with the learned classifiers.
 */

export interface TopicSpec {
  name: string;
  definition: string;
  examples?: readonly string[];
}

export interface TopicScore {
  score: number;
  detected: boolean;
}

interface Profile {
  keys: Set<string>;
  bigrams: Set<string>;
  weight: number;
  kind: 'example' | 'definition';
}

export const TOPIC_THRESHOLD = 0.5;
const SHORT_TEXT = 400;

function keysOf(text: string): string[] {
  return contentTokens(text).map(tokenKey);
}

function profile(text: string, kind: Profile['kind']): Profile {
  const ks = keysOf(text);
  return { keys: new Set(ks), bigrams: new Set(ngrams(ks, 2)), weight: kind === 'example' ? 1 : 0.8, kind };
}

export class TopicMatcher {
  private readonly profiles: Profile[];
  private readonly namePhrase: string;

  constructor(readonly spec: TopicSpec) {
    this.profiles = [profile(spec.definition, 'definition'), ...(spec.examples ?? []).map((e) => profile(e, 'example'))].filter(
      (p) => p.keys.size > 0,
    );
    this.namePhrase = ` ${words(spec.name).map(tokenKey).join(' ')} `;
  }

  score(text: string): TopicScore {
    const units = sentences(text);
    if (text.length <= SHORT_TEXT && units.length > 1) units.push(text);
    let best = 0;
    let detected = false;
    for (const u of units) {
      const ws = words(u).map(tokenKey);
      if (this.namePhrase.trim() && ` ${ws.join(' ')} `.includes(this.namePhrase)) {
        best = Math.max(best, 0.9);
        detected = true;
      }
      const ks = keysOf(u);
      if (ks.length === 0) continue;
      const keys = new Set(ks);
      const bigrams = new Set(ngrams(ks, 2));
      for (const p of this.profiles) {
        let shared = 0;
        for (const k of keys) if (p.keys.has(k)) shared++;
        if (shared === 0) continue;
        let s: number;
        if (p.kind === 'example') {
          s = (2 * shared) / (p.keys.size + keys.size);
          let bi = 0;
          for (const b of bigrams) if (p.bigrams.has(b)) bi++;
          s = Math.min(1, s + 0.1 * bi);
        } else {
          s = shared / Math.min(p.keys.size, Math.max(keys.size, 3));
        }
        s *= p.weight;
        if (s > best) best = s;
        if (s >= TOPIC_THRESHOLD && shared >= 2) detected = true;
      }
    }
    return { score: Math.round(best * 100) / 100, detected };
  }
}
