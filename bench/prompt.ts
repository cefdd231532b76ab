/** The 4 KB benchmark prompt the detector benchmarks share: ordinary business text with some PII and code. */
export const PARAGRAPHS = [
  'I am preparing the quarterly report for our customer success team and need help summarising the feedback we received. ',
  'Most customers said the onboarding flow was clear, but several mentioned that the billing page is confusing when they switch plans. ',
  'Please write a short, friendly e-mail to the account owner, Jane Doe (jane.doe@example.com, phone +1 415-555-0132), explaining the changes. ',
  'Include the new pricing table, mention that invoices are available at https://billing.example.com/invoices?id=42 and keep it under 200 words. ',
  'The previous draft used words like "unfortunately" too often; avoid that, and do not promise delivery dates we cannot keep. ',
  'For context, our support team handled 1,284 tickets in March, with a median first response time of 2 hours and 14 minutes. ',
  'function total(items) { return items.reduce((sum, item) => sum + item.price * item.quantity, 0); } // used by the report script\n',
  'Also summarise the three main themes from the survey comments and suggest one concrete improvement for each of them. ',
];

/**
 * `bytes` characters of the prompt. A `variant` number prefixes it, so benchmarks can time distinct
 * string objects: detectors cache per-text work by string identity, and one repeated string would
 * time only cache hits.
 */
export function makePrompt(bytes: number, variant?: number): string {
  let s = variant === undefined ? '' : `${variant} `;
  for (let i = 0; s.length < bytes; i++) s += PARAGRAPHS[i % PARAGRAPHS.length];
  return s.slice(0, bytes);
}
