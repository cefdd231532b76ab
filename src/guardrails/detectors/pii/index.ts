/**
 * Sensitive-information detector: every Bedrock PII entity type, deterministic except NAME (and
 * the free-form part of ADDRESS), which come from an optional learned tagger. User regexes run in
 * re2js only, so a pattern from config cannot backtrack catastrophically.
 */
import type { RE2JS } from 're2js';
import { re2 } from '../../re2.js';
import { CONFIDENCE_RANK, type Confidence, type Detector, type Finding } from '../../types.js';
import { DetectorConfigError } from '../config-error.js';
import { DisjointIntervals, sortInPlace } from '../intervals.js';
import { scanAddresses } from './address.js';
import { CONTEXT_SCANNERS, scanAge, scanUkPlates } from './contextual.js';
import { isPiiEntityType, PII_ENTITY_TYPES, type PiiEntityType } from './entities.js';
import { scanAwsKeys, scanIbans, scanNino, scanSwift, scanVins } from './ids.js';
import { scanEmails, scanIps, scanMacs, scanUrls } from './network.js';
import {
  scanBankAccount, scanCaHealth, scanCards, scanCaSin, scanNhs, scanRouting, scanSsnItin, scanUtr,
} from './numbers.js';
import { scanPhones } from './phone.js';
import { RANK_CONTEXT, ScanInput, type PiiHit, type Scanner } from './scan.js';

export { PII_ENTITY_TYPES, isPiiEntityType, type PiiEntityType } from './entities.js';
export { scorePii, type PiiSpan, type PiiScore } from './score.js';

export interface PiiRegexOption {
  name: string;
  pattern: string;
  description?: string;
  /** Confidence reported for matches; defaults to HIGH (the user asked for exactly this). */
  confidence?: Confidence;
}

export interface TaggedSpan {
  type: string;
  start: number;
  end: number;
  score: number;
}

export interface PiiDetectorOptions {
  /** Bedrock entity type names to detect; all when omitted. */
  types?: string[];
  regexes?: PiiRegexOption[];
  /** Learned tagger for NAME and free-form ADDRESS. Exceptions propagate: the engine fails closed. */
  tagger?: (text: string) => TaggedSpan[];
  /**
   * Findings below this confidence are dropped before overlapping findings are settled (default
   * LOW: none dropped), so a doubtful tagger span cannot displace a pattern finding it overlaps and
   * then be dropped itself, leaving the PII unmasked.
   */
  minConfidence?: Confidence;
}

/** Findings from `regexes` carry detector `regex` and the regex's name as type. */
export const PII_DETECTOR = 'pii';
export const REGEX_DETECTOR = 'regex';

const MAX_PATTERN_LENGTH = 2000;
const MAX_REGEXES = 100;

const SCANNERS: { types: PiiEntityType[]; scan: Scanner }[] = [
  { types: ['CREDIT_DEBIT_CARD_NUMBER'], scan: scanCards },
  { types: ['US_SOCIAL_SECURITY_NUMBER', 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER'], scan: scanSsnItin },
  { types: ['CA_SOCIAL_INSURANCE_NUMBER'], scan: scanCaSin },
  { types: ['UK_NATIONAL_HEALTH_SERVICE_NUMBER'], scan: scanNhs },
  { types: ['CA_HEALTH_NUMBER'], scan: scanCaHealth },
  { types: ['US_BANK_ROUTING_NUMBER'], scan: scanRouting },
  { types: ['US_BANK_ACCOUNT_NUMBER'], scan: scanBankAccount },
  { types: ['UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER'], scan: scanUtr },
  { types: ['PHONE'], scan: scanPhones },
  { types: ['EMAIL'], scan: scanEmails },
  { types: ['URL'], scan: scanUrls },
  { types: ['IP_ADDRESS'], scan: scanIps },
  { types: ['MAC_ADDRESS'], scan: scanMacs },
  { types: ['INTERNATIONAL_BANK_ACCOUNT_NUMBER'], scan: scanIbans },
  { types: ['SWIFT_CODE'], scan: scanSwift },
  { types: ['UK_NATIONAL_INSURANCE_NUMBER'], scan: scanNino },
  { types: ['VEHICLE_IDENTIFICATION_NUMBER'], scan: scanVins },
  { types: ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY'], scan: scanAwsKeys },
  { types: ['LICENSE_PLATE'], scan: scanUkPlates },
  { types: ['AGE'], scan: scanAge },
  { types: ['ADDRESS'], scan: scanAddresses },
  ...CONTEXT_SCANNERS,
];

interface CompiledRegex {
  name: string;
  re: RE2JS;
  confidence: Confidence;
}

function compileRegexes(list: PiiRegexOption[] | undefined): CompiledRegex[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new DetectorConfigError('regexes', 'must be an array');
  if (list.length > MAX_REGEXES) throw new DetectorConfigError('regexes', `at most ${MAX_REGEXES} patterns`);
  return list.map((r, i) => {
    if (typeof r?.name !== 'string' || r.name.length === 0) throw new DetectorConfigError(`regexes[${i}].name`, 'required');
    if (typeof r.pattern !== 'string' || r.pattern.length === 0) throw new DetectorConfigError(`regexes[${i}].pattern`, 'required');
    if (r.pattern.length > MAX_PATTERN_LENGTH) {
      throw new DetectorConfigError(`regexes[${i}].pattern`, `longer than ${MAX_PATTERN_LENGTH} characters`);
    }
    try {
      return { name: r.name, re: re2().compile(r.pattern), confidence: r.confidence ?? 'HIGH' };
    } catch (err) {
      // re2js rejects lookaround and backreferences: exactly the constructs that cannot run in linear time.
      const why = err instanceof Error ? err.message : 'invalid pattern';
      throw new DetectorConfigError(`regexes[${i}].pattern`, `not a valid linear-time (RE2) regular expression: ${why}`);
    }
  });
}

function resolveTypes(types: string[] | undefined): Set<PiiEntityType> {
  if (types === undefined) return new Set(PII_ENTITY_TYPES);
  if (!Array.isArray(types)) throw new DetectorConfigError('types', 'must be an array');
  const out = new Set<PiiEntityType>();
  types.forEach((t, i) => {
    if (!isPiiEntityType(t)) throw new DetectorConfigError(`types[${i}]`, `unknown PII entity type '${String(t)}'`);
    out.add(t);
  });
  return out;
}

function confidenceOf(score: number): Confidence {
  if (score >= 0.8) return 'HIGH';
  if (score >= 0.5) return 'MEDIUM';
  return 'LOW';
}

/** Strongest first: higher rank, then longer span, then earlier. */
function byStrength(a: PiiHit, b: PiiHit): number {
  return b.rank - a.rank || (b.end - b.start) - (a.end - a.start) || a.start - b.start;
}

function byStart(a: PiiHit, b: PiiHit): number {
  return a.start - b.start;
}

// One per module, cleared per scan (scans do not nest).
const taken = new DisjointIntervals();

/**
 * Keeps the strongest of overlapping hits: higher rank, then longer span. Works in place, so a
 * scan allocates no copies: `hits` is reordered and cut down to the kept hits, in text order.
 */
export function resolveOverlaps(hits: PiiHit[]): PiiHit[] {
  if (hits.length < 2) return hits;
  sortInPlace(hits, byStrength);
  taken.clear();
  let kept = 0;
  for (const h of hits) {
    if (taken.tryAdd(h.start, h.end)) hits[kept++] = h;
  }
  hits.length = kept;
  return sortInPlace(hits, byStart);
}

/** "@TB12FAN", "#ILIKECATS74": social handles and hashtags that happen to look like identifiers. */
function isHandle(text: string, h: PiiHit): boolean {
  if (h.type === 'EMAIL' || h.type === 'URL' || h.start === 0) return false;
  const c = text.charCodeAt(h.start - 1);
  return c === 64 || c === 35;
}

export function createPiiDetector(opts: PiiDetectorOptions = {}): Detector {
  const enabled = resolveTypes(opts.types);
  const regexes = compileRegexes(opts.regexes);
  if (opts.tagger !== undefined && typeof opts.tagger !== 'function') throw new DetectorConfigError('tagger', 'must be a function');
  const tagger = opts.tagger;
  const scanners = SCANNERS.filter((s) => s.types.some((t) => enabled.has(t)));
  const wantsTagger = tagger !== undefined && (enabled.has('NAME') || enabled.has('ADDRESS'));
  const minRank = CONFIDENCE_RANK[opts.minConfidence ?? 'LOW'];
  if (minRank === undefined || opts.minConfidence === 'NONE') throw new DetectorConfigError('minConfidence', `must be LOW, MEDIUM or HIGH, not '${String(opts.minConfidence)}'`);

  return {
    name: PII_DETECTOR,
    scan(text: string): Finding[] {
      const input = new ScanInput(text);
      const hits: PiiHit[] = [];
      for (const s of scanners) s.scan(input, hits);
      if (wantsTagger && tagger) {
        for (const span of tagger(text)) {
          if (!isPiiEntityType(span.type) || !enabled.has(span.type)) continue;
          if (!(span.start >= 0 && span.end <= text.length && span.start < span.end)) continue;
          hits.push({ type: span.type, start: span.start, end: span.end, rank: RANK_CONTEXT, confidence: confidenceOf(span.score), score: span.score });
        }
      }
      // Drop disabled types, handles and findings below the confidence bar in place (hits is this
      // scan's own array), before overlaps are settled.
      let n = 0;
      for (const h of hits) if (enabled.has(h.type) && CONFIDENCE_RANK[h.confidence] >= minRank && !isHandle(text, h)) hits[n++] = h;
      hits.length = n;
      const findings: Finding[] = [];
      for (const h of resolveOverlaps(hits)) {
        const f: Finding = { detector: PII_DETECTOR, type: h.type, start: h.start, end: h.end, confidence: h.confidence };
        if (h.score !== undefined) f.score = h.score;
        findings.push(f);
      }
      for (const r of regexes) {
        const m = r.re.matcher(text);
        while (m.find()) {
          if (m.end() > m.start()) findings.push({ detector: REGEX_DETECTOR, type: r.name, start: m.start(), end: m.end(), confidence: r.confidence });
        }
      }
      return findings;
    },
  };
}
