/**
 * Check-digit algorithms for the PII types that carry one. A checksum is what separates a card
 * number from any 16-digit order id, so every validator here is exact, not heuristic.
 */

/**
 * Digits of `s` as numbers, skipping separators. With `into` (patterns with a fixed number of
 * digits), its first into.length digits are written there, so a checksum needs no new array.
 */
export function digitsOf(s: string, into?: number[]): number[] {
  const out = into ?? [];
  const max = into ? into.length : s.length;
  let k = 0;
  for (let i = 0; i < s.length && k < max; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) out[k++] = c;
  }
  return out;
}

/** Luhn (mod 10): cards, Canadian SIN. */
export function luhnValid(digits: number[]): boolean {
  let sum = 0;
  for (let i = digits.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
    let d = digits[i];
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 1 && sum % 10 === 0;
}

/** Card issuer (IIN) ranges of the networks Bedrock recognises; a Luhn-valid number outside them is not a card. */
export function cardIinValid(d: number[]): boolean {
  const n = d.length;
  const p2 = d[0] * 10 + d[1];
  const p3 = p2 * 10 + d[2];
  const p4 = p3 * 10 + d[3];
  const p6 = p4 * 100 + d[4] * 10 + d[5];
  if (d[0] === 4) return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p2 === 35) return n >= 16 && n <= 19; // JCB (3528-3589 issued; the rest of 35 is reserved for it)
  if (p4 === 1800 || p4 === 2131) return n === 15; // JCB (legacy 15-digit)
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p3 === 309) return n >= 14 && n <= 19; // Diners
  if (p2 === 62 || p2 === 81) return n >= 16 && n <= 19; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19; // Maestro and other debit
  if (p4 >= 2200 && p4 <= 2204) return n === 16; // Mir
  return false;
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** IBAN: registered country length, then ISO 7064 mod-97 == 1. `compact` has no spaces. */
export function ibanValid(compact: string): boolean {
  const s = compact.toUpperCase();
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (len === undefined || s.length !== len) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** ABA routing number: 3-7-1 weighted sum mod 10, and a Federal Reserve prefix. */
export function abaValid(d: number[]): boolean {
  if (d.length !== 9) return false;
  const p = d[0] * 10 + d[1];
  if (!(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80)) return false;
  const sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
  return sum % 10 === 0 && !allSame(d, 0);
}

/** Whether every digit is `x` (a loop: an every/some callback would be a closure per call). */
function allSame(d: readonly number[], x: number): boolean {
  for (const v of d) if (v !== x) return false;
  return true;
}

/** NHS number: weights 10..2 over nine digits, check = 11 - sum mod 11 (11 -> 0, 10 is never issued). */
export function nhsValid(d: number[]): boolean {
  if (d.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += d[i] * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === d[9] && !allSame(d, d[0]);
}

const VIN_VALUES: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5,
  W: 6, X: 7, Y: 8, Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** North American VIN check digit (position 9; 10 is written X). I, O, Q never occur. */
export function vinValid(vin: string): boolean {
  if (vin.length !== 17) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i];
    const v = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : VIN_VALUES[ch];
    if (v === undefined) return false;
    sum += v * VIN_WEIGHTS[i];
  }
  const r = sum % 11;
  return vin[8] === (r === 10 ? 'X' : String(r));
}
