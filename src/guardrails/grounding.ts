import { contentTokens, ngrams, tokenKey } from './lexical.js';

/**
 * Contextual grounding, lexically. Bedrock scores grounding and relevance with a model; Rampart
 * approximates both with overlap of normalised content tokens:
 *  - grounding = how much of the answer is supported by the source: 0.6 x share of the answer's
 *    content keys found in the source + 0.4 x share of its key bigrams found there. A number in
 *    the answer that the source lacks counts twice (invented figures are the classic failure).
 *  - relevance = share of the query's content keys that the answer addresses (mentions).
 * Both are in [0, 1], rounded to two decimals; the filter blocks when score < threshold, as in
 * Bedrock. Limits: a faithful paraphrase in other words scores low on grounding; an answer that
 * repeats the question's words without answering it scores high on relevance.
 */

export function groundingScore(answer: string, sources: readonly string[]): number {
  const a = contentTokens(answer);
  if (a.length === 0) return 1;
  const src = contentTokens(sources.join('\n')).map(tokenKey);
  const srcKeys = new Set(src);
  const srcBigrams = new Set(ngrams(src, 2));
  let supported = 0;
  let total = 0;
  for (const t of a) {
    const numeric = /\d/.test(t);
    const weight = numeric ? 2 : 1;
    total += weight;
    if (srcKeys.has(tokenKey(t))) supported += weight;
  }
  const aKeys = a.map(tokenKey);
  const bigrams = ngrams(aKeys, 2);
  let biHits = 0;
  for (const b of bigrams) if (srcBigrams.has(b)) biHits++;
  const uni = supported / total;
  const bi = bigrams.length === 0 ? uni : biHits / bigrams.length;
  return round2(0.6 * uni + 0.4 * bi);
}

export function relevanceScore(answer: string, query: string): number {
  const q = new Set(contentTokens(query).map(tokenKey));
  if (q.size === 0) return 1;
  const a = new Set(contentTokens(answer).map(tokenKey));
  let hit = 0;
  for (const k of q) if (a.has(k)) hit++;
  return round2(hit / q.size);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
