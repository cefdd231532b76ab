/**
 * PII scoring as /work/shared/eval/README.md defines it: gold spans carry Presidio names, mapped to
 * Bedrock names; a gold span is found when a predicted span of the mapped type overlaps it; a
 * predicted span is a false positive only when it overlaps no gold span at all; a predicted span
 * that overlaps a gold span of its own type counts once as a true positive; a prediction that only
 * overlaps gold of another or an unscored type is neither.
 */

export interface PiiSpan {
  type: string;
  start: number;
  end: number;
}

export interface PiiTypeScore {
  /** Predicted spans that found a gold span of their type. */
  tp: number;
  /** Predicted spans overlapping no gold span. */
  fp: number;
  /** Gold spans of this (mapped) type that were found. */
  found: number;
  /** Gold spans of this (mapped) type. */
  gold: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface PiiScore extends PiiTypeScore {
  perType: Record<string, PiiTypeScore>;
}

/** Presidio entity name -> Bedrock entity type, for the types the README scores. */
export const PRESIDIO_TO_BEDROCK: Readonly<Record<string, string>> = {
  PERSON: 'NAME',
  STREET_ADDRESS: 'ADDRESS',
  ZIP_CODE: 'ADDRESS',
  PHONE_NUMBER: 'PHONE',
  EMAIL_ADDRESS: 'EMAIL',
  CREDIT_CARD: 'CREDIT_DEBIT_CARD_NUMBER',
  IBAN_CODE: 'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
  US_SSN: 'US_SOCIAL_SECURITY_NUMBER',
  IP_ADDRESS: 'IP_ADDRESS',
  US_DRIVER_LICENSE: 'DRIVER_ID',
  AGE: 'AGE',
  DOMAIN_NAME: 'URL',
};

function overlaps(a: PiiSpan, b: PiiSpan): boolean {
  return a.start < b.end && b.start < a.end;
}

function ratio(n: number, d: number): number {
  return d === 0 ? 0 : n / d;
}

function finish(s: Omit<PiiTypeScore, 'precision' | 'recall' | 'f1'>): PiiTypeScore {
  const precision = ratio(s.tp, s.tp + s.fp);
  const recall = ratio(s.found, s.gold);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...s, precision, recall, f1 };
}

type Docs = PiiSpan[] | PiiSpan[][];

function asDocs(x: Docs): PiiSpan[][] {
  return x.length > 0 && Array.isArray(x[0]) ? (x as PiiSpan[][]) : [x as PiiSpan[]];
}

/**
 * Scores predictions against gold. Pass one document's spans each, or parallel arrays with one
 * entry per document (spans only overlap within their own document).
 */
export function scorePii(gold: Docs, predicted: Docs): PiiScore {
  const g = asDocs(gold);
  const p = asDocs(predicted);
  if (g.length !== p.length) throw new Error(`scorePii: ${g.length} gold documents but ${p.length} predicted`);
  const per = new Map<string, { tp: number; fp: number; found: number; gold: number }>();
  const bucket = (t: string) => {
    let b = per.get(t);
    if (!b) per.set(t, (b = { tp: 0, fp: 0, found: 0, gold: 0 }));
    return b;
  };
  for (let d = 0; d < g.length; d++) {
    const golds = g[d];
    const preds = p[d];
    // Unscored gold (GPE, ORGANIZATION, ...) still absorbs overlapping predictions: mapped is undefined.
    const mapped = golds.map((s) => PRESIDIO_TO_BEDROCK[s.type]);
    golds.forEach((s, i) => {
      const type = mapped[i];
      if (type === undefined) return;
      const b = bucket(type);
      b.gold++;
      if (preds.some((q) => q.type === type && overlaps(q, s))) b.found++;
    });
    for (const q of preds) {
      const b = bucket(q.type);
      if (golds.some((s, i) => mapped[i] === q.type && overlaps(q, s))) b.tp++;
      else if (!golds.some((s) => overlaps(q, s))) b.fp++;
    }
  }
  const perType: Record<string, PiiTypeScore> = {};
  const total = { tp: 0, fp: 0, found: 0, gold: 0 };
  for (const [t, b] of [...per.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    perType[t] = finish(b);
    total.tp += b.tp;
    total.fp += b.fp;
    total.found += b.found;
    total.gold += b.gold;
  }
  return { ...finish(total), perType };
}
