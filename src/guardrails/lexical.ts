/**
 * The lexical toolkit behind denied topics and contextual grounding: normalised content tokens
 * (NFKC, lower case, stop words dropped, a crude suffix stemmer) and word n-grams. No trained
 * weights exist for arbitrary operator-defined topics, so these checks are lexical on purpose.
 */

const STOP = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also may might must shall us let get got tell give please want need ' +
    "i'm it's don't can't").split(/\s+/),
);

/** Folds common English inflections so `investing`, `invests` and `invested` meet at `invest`. */
export function stem(word: string): string {
  if (word.length <= 4 || /\d/.test(word)) return word;
  let w = word;
  for (const suf of ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ies', 'ied', 'ers', 'er', 'ed', 'ly', 's']) {
    if (w.endsWith(suf) && w.length - suf.length >= 3) {
      const base = w.slice(0, -suf.length);
      w = suf === 'ies' || suf === 'ied' ? `${base}y` : base;
      break;
    }
  }
  // `share`, `shares`, `shared` and `sharing` all end up as `shar`.
  return w.length > 4 && w.endsWith('e') ? w.slice(0, -1) : w;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'.-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

/** All words, normalised and stemmed, stop words kept (n-grams need the real sequence). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) out.push(stem(m[0].replace(/'s$/, '')));
  return out;
}

export function isStopWord(w: string): boolean {
  return STOP.has(w);
}

/** Normalised content tokens: words without stop words. */
export function contentTokens(text: string): string[] {
  return words(text).filter((w) => !STOP.has(w));
}

/**
 * Match key of a token: its first five letters, so `allocate`/`allocation` and
 * `generate`/`generating` meet where the stemmer misses. Costs some precision (`general`).
 */
export function tokenKey(token: string): string {
  return token.length > 5 ? token.slice(0, 5) : token;
}

/** Space-joined word n-grams of `ws`. */
export function ngrams(ws: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= ws.length; i++) out.push(ws.slice(i, i + n).join(' '));
  return out;
}

/** Splits into sentences so a long text is judged piece by piece, not diluted as a whole. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
