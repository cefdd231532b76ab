/**
 * Numeric identifiers: cards, US/CA/UK national and bank numbers. Each pattern is bounded (no
 * nested unbounded repetition), and numbers that are only digits need a checksum or a context word:
 * a bare nine-digit number is far more often an order id than an SSN. Every pattern starts with its
 * first digit run (or a fixed number of letters before it), so each runs as a sticky regex at the
 * digit runs of the right length only (eachMatchAt).
 */
import { abaValid, cardIinValid, digitsOf, luhnValid, nhsValid } from './checksums.js';
import {
  near, eachMatchAt, groupedRun, isUpper, RANK_CHECKSUM, RANK_CONTEXT, RANK_FORMAT, type MatchHandler, type Scanner,
} from './scan.js';

// Each scanner's anchor and match handler are module constants: a scan allocates neither.

// Buffers for digitsOf on patterns with exactly nine or ten digits.
const nineDigits = [0, 0, 0, 0, 0, 0, 0, 0, 0];
const tenDigits = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

// 12-19 digits plain, in groups of four (Visa/MC/Discover), or 4-6-5 / 4-6-4 (Amex, Diners).
const CARD_RE =
  /(?<![\d-])(?:\d{12,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\d]|-\d)/y;
// Plain 12-19 digits, or a first group of four.
const CARD_AT = { offsets: [0], minRun: 4, maxRun: 19, accept: groupedRun(4, ' -', 12, 13, 14, 15, 16, 17, 18, 19) };
const CARD_CTX = /card|visa|master|amex|credit|debit|cc\b|payment/;

const onCard: MatchHandler = (m, input, out) => {
  const d = digitsOf(m[0]);
  if (d.length < 12 || d.length > 19 || !luhnValid(d)) return;
  const end = m.index + m[0].length;
  const ctx = near(input, m.index, end, CARD_CTX, 40);
  // 12-digit Maestro numbers exist, but one 12-digit number in ten passes Luhn: they need a card word.
  if (d.length === 12 ? !(ctx && maestro12(d)) : !cardIinValid(d)) return;
  out.push({ type: 'CREDIT_DEBIT_CARD_NUMBER', start: m.index, end, rank: RANK_CHECKSUM, confidence: ctx ? 'HIGH' : 'MEDIUM' });
};

export const scanCards: Scanner = (input, out) => {
  if (input.digits < 12) return;
  eachMatchAt(input, CARD_RE, CARD_AT, onCard, out);
};

function maestro12(d: number[]): boolean {
  const p2 = d[0] * 10 + d[1];
  const p4 = p2 * 100 + d[2] * 10 + d[3];
  return p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67 || p4 === 604;
}

// 3-2-4 with one consistent separator (or none).
const SSN_RE = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d]|-\d)/y;
const SSN_CTX = /ssn|social security|soc\.? sec|\btin\b|itin|taxpayer|tax id|tax identification|ss#|ss no/;

function itinGroup(g: number): boolean {
  return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);
}

const SSN_AT = { offsets: [0], minRun: 3, maxRun: 9, accept: groupedRun(3, '- ', 9) };

const onSsn: MatchHandler = (m, input, out) => {
  const area = Number(m[1]);
  const group = Number(m[3]);
  const serial = Number(m[4]);
  const end = m.index + m[0].length;
  const ctx = near(input, m.index, end, SSN_CTX, 48);
  // Without separators it is any nine-digit number; only a context word makes it an SSN.
  if (m[2] === '' && !ctx) return;
  if (area >= 900) {
    if (!itinGroup(group)) return;
    out.push({
      type: 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', start: m.index, end,
      rank: ctx ? RANK_CHECKSUM : RANK_FORMAT, confidence: ctx ? 'HIGH' : 'MEDIUM',
    });
    return;
  }
  if (area === 0 || area === 666 || group === 0 || serial === 0) return;
  // Space-separated 3-2-4 is also a common phone/reference layout; only dashes stand alone.
  if (m[2] === ' ' && !ctx) return;
  out.push({
    type: 'US_SOCIAL_SECURITY_NUMBER', start: m.index, end,
    rank: ctx ? RANK_CHECKSUM : RANK_FORMAT, confidence: ctx ? 'HIGH' : 'MEDIUM',
  });
};

export const scanSsnItin: Scanner = (input, out) => {
  if (input.digits < 9) return;
  eachMatchAt(input, SSN_RE, SSN_AT, onSsn, out);
};

const SIN_RE = /(?<![\d-])\d{3}([- ]?)\d{3}\1\d{3}(?![\d]|-\d)/y;
const SIN_CTX = /\bsin\b|social insurance|assurance sociale|\bnas\b|insurance number/;
const SIN_AT = { offsets: [0], minRun: 3, maxRun: 9, accept: groupedRun(3, '- ', 9) };

const onSin: MatchHandler = (m, input, out) => {
  const d = digitsOf(m[0], nineDigits); // SIN_RE: exactly nine digits
  if (d[0] === 0 || d[0] === 8 || !luhnValid(d)) return;
  const end = m.index + m[0].length;
  if (!near(input, m.index, end, SIN_CTX, 48)) return;
  out.push({ type: 'CA_SOCIAL_INSURANCE_NUMBER', start: m.index, end, rank: RANK_CHECKSUM, confidence: 'HIGH' });
};

export const scanCaSin: Scanner = (input, out) => {
  if (input.digits < 9) return;
  eachMatchAt(input, SIN_RE, SIN_AT, onSin, out);
};

const NHS_RE = /(?<![\d-])\d{3}([- ]?)\d{3}\1\d{4}(?![\d]|-\d)/y;
const NHS_CTX = /\bnhs\b|health service|nhs no|chi number|patient number|health number/;
const NHS_AT = { offsets: [0], minRun: 3, maxRun: 10, accept: groupedRun(3, '- ', 10) };

const onNhs: MatchHandler = (m, input, out) => {
  if (!nhsValid(digitsOf(m[0], tenDigits))) return; // NHS_RE: exactly ten digits
  const end = m.index + m[0].length;
  // 3-3-4 is also the US phone layout; the check digit alone passes one number in eleven.
  if (!near(input, m.index, end, NHS_CTX, 48)) return;
  out.push({ type: 'UK_NATIONAL_HEALTH_SERVICE_NUMBER', start: m.index, end, rank: RANK_CHECKSUM, confidence: 'HIGH' });
};

export const scanNhs: Scanner = (input, out) => {
  if (input.digits < 10) return;
  eachMatchAt(input, NHS_RE, NHS_AT, onNhs, out);
};

// Ontario 4-3-3 (+ version letters), BC 10 digits starting 9, Quebec RAMQ 4 letters + 8 digits.
const CA_HEALTH_RE = /(?<![\w-])(?:\d{4}([- ]?)\d{3}\1\d{3}(?:[- ]?[A-Z]{2})?|[A-Z]{4}[- ]?\d{4}[- ]?\d{4})(?![\w]|-\w)/y;
const CA_HEALTH_CTX = /health card|health number|health insurance|health ?#|ohip|ramq|\bphn\b|personal health|carte soleil|assurance maladie|care card|healthcare number/;
const CA_HEALTH_AT = { offsets: [0, 4, 5], minRun: 4, maxRun: 10, lead: isUpper };

const onCaHealth: MatchHandler = (m, input, out) => {
  const end = m.index + m[0].length;
  if (!near(input, m.index, end, CA_HEALTH_CTX, 48)) return;
  out.push({ type: 'CA_HEALTH_NUMBER', start: m.index, end, rank: RANK_CONTEXT + 1, confidence: 'MEDIUM' });
};

export const scanCaHealth: Scanner = (input, out) => {
  if (input.digits < 8) return;
  eachMatchAt(input, CA_HEALTH_RE, CA_HEALTH_AT, onCaHealth, out);
};

const NINE_RE = /(?<![\d-])\d{9}(?![\d]|-\d)/y;
const ROUTING_CTX = /routing|\baba\b|\brtn\b|transit number|bank code|\bach\b/;
const ROUTING_AT = { offsets: [0], minRun: 9, maxRun: 9 };

const onRouting: MatchHandler = (m, input, out) => {
  if (!abaValid(digitsOf(m[0], nineDigits))) return; // NINE_RE: exactly nine digits
  const end = m.index + m[0].length;
  if (!near(input, m.index, end, ROUTING_CTX, 48)) return;
  out.push({ type: 'US_BANK_ROUTING_NUMBER', start: m.index, end, rank: RANK_CHECKSUM, confidence: 'HIGH' });
};

export const scanRouting: Scanner = (input, out) => {
  if (input.digits < 9) return;
  eachMatchAt(input, NINE_RE, ROUTING_AT, onRouting, out);
};

const ACCOUNT_RE = /(?<![\d-])\d{8,17}(?![\d]|-\d)/y;
const ACCOUNT_CTX = /account|acct|\ba\/c\b|checking|savings|deposit to|bank/;
const ACCOUNT_AT = { offsets: [0], minRun: 8, maxRun: 17 };

const onBankAccount: MatchHandler = (m, input, out) => {
  const end = m.index + m[0].length;
  if (!near(input, m.index, end, ACCOUNT_CTX, 40)) return;
  out.push({ type: 'US_BANK_ACCOUNT_NUMBER', start: m.index, end, rank: RANK_CONTEXT, confidence: 'MEDIUM' });
};

export const scanBankAccount: Scanner = (input, out) => {
  if (input.digits < 8) return;
  eachMatchAt(input, ACCOUNT_RE, ACCOUNT_AT, onBankAccount, out);
};

const UTR_RE = /(?<![\d-])\d{5} ?\d{5}K?(?![\d])/y;
const UTR_CTX = /\butr\b|taxpayer reference|tax reference|self[- ]assessment|unique tax|hmrc/;
const UTR_AT = { offsets: [0], minRun: 5, maxRun: 10, accept: groupedRun(5, ' ', 10) };

const onUtr: MatchHandler = (m, input, out) => {
  const end = m.index + m[0].length;
  if (!near(input, m.index, end, UTR_CTX, 48)) return;
  out.push({ type: 'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', start: m.index, end, rank: RANK_CONTEXT + 1, confidence: 'MEDIUM' });
};

export const scanUtr: Scanner = (input, out) => {
  if (input.digits < 10) return;
  eachMatchAt(input, UTR_RE, UTR_AT, onUtr, out);
};
