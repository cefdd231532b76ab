/**
 * Work sentences with people's names, as training rows for the NAME tagger (source
 * `extra:names/<template>`). The Presidio sentences name people in few contexts, so the tagger
 * learned few: it missed "Contact John Smith today." and stopped "Jane Doe" after "Jane". Each
 * row is a short template of e-mail, meeting-note, ticket or chat wording with one or two full
 * names drawn (seeded) from the people-names word list the tagger's lexicon is built from.
 * Deterministic; no sentence is copied from a data set.
 */
import type { PiiRow } from '../../src/guardrails/eval/dataset.js';
import { createRng, type Rng } from './rng.js';

const TEMPLATES = [
  'Contact {N} today about the renewal.',
  'Please cc {N} on the thread.',
  'Thanks, {N}',
  'Hi {N}, the report is attached.',
  'Per {N}, the launch moves to next week.',
  'I had a call with {N} and {N2} this morning.',
  'Can you draft a reply to {N} explaining the delay?',
  'Meeting notes: {N} will own the budget, {N2} the hiring plan.',
  'Ticket reassigned from {N} to {N2}.',
  'The contract was signed by {N} on behalf of the supplier.',
  '{N} asked whether the invoice can be split.',
  'Summarise this e-mail from {N} in two sentences.',
  'Remind {N} to send the slides before Friday.',
  '{N} joined the team as a data analyst in March.',
  'Escalate to {N} if the customer calls again.',
  'Best regards,\n{N}\nAccount Manager',
  'According to {N}, the server was restarted twice.',
  'Write a thank-you note to {N} for the workshop.',
  'The interview with {N} is at 3 pm in room 4.',
  'Forward the minutes to {N} and {N2}.',
  'Our new client contact is {N}.',
  'Can {N} review the pull request?',
  'Dear {N},\nthank you for your application.',
  'Approved by {N}, pending sign-off from {N2}.',
  '{N} and {N2} will present the results.',
];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

/** Title-case alphabetic names of 3-12 letters from the word list (one name per line). */
function nameList(words: string): string[] {
  return words.split('\n').map((w) => w.trim()).filter((w) => /^\p{Lu}\p{Ll}{2,11}$/u.test(w));
}

/** `perTemplate` rows for each template; a row has one or two full names ("First Last"). */
export function nameSentences(peopleNames: string, perTemplate = 12, seed = 0x4e41): PiiRow[] {
  const names = nameList(peopleNames);
  if (names.length < 100) throw new Error('people-names list is too short');
  const rng = createRng(seed);
  const rows: PiiRow[] = [];
  TEMPLATES.forEach((template, t) => {
    for (let i = 0; i < perTemplate; i++) {
      const spans: PiiRow['spans'] = [];
      let text = '';
      // Fill the slots left to right, recording each name's offsets in the finished text.
      for (const part of template.split(/(\{N2?\})/)) {
        if (part === '{N}' || part === '{N2}') {
          const name = `${pick(rng, names)} ${pick(rng, names)}`;
          spans.push({ type: 'PERSON', start: text.length, end: text.length + name.length });
          text += name;
        } else text += part;
      }
      rows.push({ id: `names-${t}-${i}`, text, spans, source: `extra:names/template-${t}` });
    }
  });
  return rows;
}
