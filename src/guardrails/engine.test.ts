import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadGuardrail, type DetectorKit } from './compile.js';
import { confidenceOf } from './engine.js';
import { standInKit, type StandInOptions } from './testkit.js';
import type { GuardrailDefinitionInput } from './schema.js';
import { Vault } from './anonymize.js';

const base = { name: 'g', blockedInputMessaging: 'Input blocked.', blockedOutputsMessaging: 'Output blocked.' };

function guard(def: Partial<GuardrailDefinitionInput>, kitOpts?: StandInOptions | DetectorKit) {
  const kit = kitOpts && 'pii' in kitOpts ? (kitOpts as DetectorKit) : standInKit(kitOpts as StandInOptions | undefined);
  return loadGuardrail({ ...base, ...def }, { id: 'g1', version: '1', kit });
}

test('classifier score maps to Bedrock confidence at fixed points', () => {
  assert.deepEqual([0.1, 0.5, 0.69, 0.7, 0.9, 1].map(confidenceOf), ['NONE', 'LOW', 'LOW', 'MEDIUM', 'HIGH', 'HIGH']);
});

test('content filter: strength decides which confidences block (LOW strength blocks only HIGH)', () => {
  const mk = (s: 'LOW' | 'MEDIUM' | 'HIGH') => guard({ contentPolicyConfig: { filtersConfig: [{ type: 'INSULTS', inputStrength: s, outputStrength: s }] } });
  // stand-in toxicity: "idiot" 0.95 (HIGH), "stupid" 0.75 (MEDIUM), "meh" 0.55 (LOW)
  const table: Array<[string, 'LOW' | 'MEDIUM' | 'HIGH', boolean]> = [
    ['you idiot', 'LOW', true],
    ['so stupid', 'LOW', false],
    ['so stupid', 'MEDIUM', true],
    ['meh', 'MEDIUM', false],
    ['meh', 'HIGH', true],
    ['hello there', 'HIGH', false],
  ];
  for (const [text, strength, blocks] of table) {
    const ev = mk(strength).evaluate([text], 'INPUT');
    assert.equal(ev.action === 'GUARDRAIL_INTERVENED', blocks, `${text} @ ${strength}`);
    if (blocks) {
      assert.deepEqual(ev.assessment.contentPolicy?.filters[0], { type: 'INSULTS', confidence: confidenceOf(text === 'you idiot' ? 0.95 : text === 'so stupid' ? 0.75 : 0.55), filterStrength: strength, action: 'BLOCKED', detected: true });
      assert.deepEqual(ev.outputs, ['Input blocked.']);
    }
  }
});

test('content filter: outputAction NONE detects without blocking; outputEnabled false skips output', () => {
  const g = guard({ contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH', outputAction: 'NONE' }] } });
  const ev = g.evaluate(['you idiot'], 'OUTPUT');
  assert.equal(ev.action, 'NONE');
  assert.equal(ev.assessment.contentPolicy?.filters[0].detected, true);
  assert.equal(ev.assessment.contentPolicy?.filters[0].action, 'NONE');
  const off = guard({ contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH', outputEnabled: false }] } });
  assert.equal(off.evaluate(['you idiot'], 'OUTPUT').assessment.contentPolicy, undefined);
  assert.equal(off.evaluate(['you idiot'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
});

test('PII: ANONYMIZE masks Bedrock style, BLOCK blocks, NONE only reports; per-direction actions', () => {
  const g = guard({
    sensitiveInformationPolicyConfig: {
      piiEntitiesConfig: [
        { type: 'EMAIL', action: 'ANONYMIZE' },
        { type: 'US_SOCIAL_SECURITY_NUMBER', action: 'BLOCK', outputAction: 'NONE' },
      ],
    },
  });
  const ev = g.evaluate(['Mail bob@example.com or alice@corp.io', 'nothing here'], 'INPUT');
  assert.equal(ev.action, 'GUARDRAIL_INTERVENED');
  assert.equal(ev.outcome, 'ANONYMIZED');
  assert.deepEqual(ev.outputs, ['Mail {EMAIL} or {EMAIL}', 'nothing here']);
  assert.deepEqual(ev.assessment.sensitiveInformationPolicy?.piiEntities.map((p) => [p.match, p.action]), [
    ['bob@example.com', 'ANONYMIZED'],
    ['alice@corp.io', 'ANONYMIZED'],
  ]);
  assert.equal(ev.actionReason, 'Guardrail masked.');
  assert.equal(g.evaluate(['ssn 123-45-6789'], 'INPUT').outcome, 'BLOCKED');
  const out = g.evaluate(['ssn 123-45-6789'], 'OUTPUT');
  assert.equal(out.action, 'NONE');
  assert.equal(out.assessment.sensitiveInformationPolicy?.piiEntities[0].action, 'NONE');
});

test('reversible anonymisation numbers placeholders per value through the vault', () => {
  const g = guard({ sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'ANONYMIZE' }] }, rampart: { anonymization: { reversible: true } } });
  const vault = new Vault();
  const ev = g.evaluate(['a@x.io b@y.io a@x.io'], 'INPUT', { vault });
  assert.deepEqual(ev.outputs, ['{EMAIL_1} {EMAIL_2} {EMAIL_1}']);
  assert.equal(vault.restore('write to {EMAIL_2}'), 'write to b@y.io');
});

test('regexes run in re2js and report name, match and pattern', () => {
  const g = guard({ sensitiveInformationPolicyConfig: { regexesConfig: [{ name: 'ticket', pattern: 'TKT-\\d{6}', action: 'ANONYMIZE' }] } });
  const ev = g.evaluate(['see TKT-123456 now'], 'INPUT');
  assert.deepEqual(ev.outputs, ['see {TICKET} now']);
  assert.deepEqual(ev.assessment.sensitiveInformationPolicy?.regexes, [{ name: 'ticket', match: 'TKT-123456', regex: 'TKT-\\d{6}', action: 'ANONYMIZED', detected: true }]);
  assert.equal(ev.usage.sensitiveInformationPolicyFreeUnits, 1);
  assert.equal(ev.usage.sensitiveInformationPolicyUnits, 0);
});

test('word policy: custom words and the managed profanity list', () => {
  const g = guard({ wordPolicyConfig: { wordsConfig: [{ text: 'AcmeCorp' }, { text: 'rival', outputAction: 'NONE' }], managedWordListsConfig: [{ type: 'PROFANITY' }] } });
  const ev = g.evaluate(['I prefer acmecorp, darn it'], 'INPUT');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.deepEqual(ev.assessment.wordPolicy, {
    customWords: [{ match: 'acmecorp', action: 'BLOCKED', detected: true }],
    managedWordLists: [{ match: 'darn', type: 'PROFANITY', action: 'BLOCKED', detected: true }],
  });
  assert.equal(g.evaluate(['the rival is fine'], 'OUTPUT').action, 'NONE');
});

test('denied topics match examples and the definition lexically, and leave unrelated text alone', () => {
  const g = guard({
    topicPolicyConfig: {
      topicsConfig: [
        {
          name: 'Investment Advice',
          definition: 'Guidance or recommendations about investing money, buying stocks, bonds or funds to generate returns.',
          examples: ['Which stocks should I buy for my retirement?', 'Is it a good time to invest in bonds?'],
          type: 'DENY',
        },
      ],
    },
  });
  for (const t of ['What stocks should I buy to retire early?', 'Can you give me some investment advice?', 'Should I invest my savings in bond funds?']) {
    const ev = g.evaluate([t], 'INPUT');
    assert.equal(ev.outcome, 'BLOCKED', t);
    assert.deepEqual(ev.assessment.topicPolicy?.topics, [{ name: 'Investment Advice', type: 'DENY', action: 'BLOCKED', detected: true }]);
  }
  for (const t of ['How do I reset my password?', 'What is the weather in Paris?', 'My retirement party is on Friday.']) {
    assert.equal(g.evaluate([t], 'INPUT').action, 'NONE', t);
  }
});

test('contextual grounding: ungrounded and irrelevant answers fall below the thresholds', () => {
  const g = guard({ contextualGroundingPolicyConfig: { filtersConfig: [{ type: 'GROUNDING', threshold: 0.6 }, { type: 'RELEVANCE', threshold: 0.5 }] } });
  const src = ['The refund window for online orders is 30 days from delivery. Refunds go back to the original payment method.'];
  const query = 'How many days is the refund window for online orders?';
  const ok = g.evaluate(['The refund window for online orders is 30 days from delivery.'], 'OUTPUT', { groundingSources: src, query });
  assert.equal(ok.action, 'NONE');
  assert.ok(ok.assessment.contextualGroundingPolicy!.filters[0].score >= 0.6);
  const invented = g.evaluate(['Online orders can be refunded within 90 days, and shipping is free on weekends.'], 'OUTPUT', { groundingSources: src, query });
  assert.equal(invented.outcome, 'BLOCKED');
  const f = invented.assessment.contextualGroundingPolicy!.filters.find((x) => x.type === 'GROUNDING')!;
  assert.equal(f.detected, true);
  assert.equal(f.action, 'BLOCKED');
  assert.equal(f.threshold, 0.6);
  const offTopic = g.evaluate(['Our stores open at nine.'], 'OUTPUT', { groundingSources: ['Our stores open at nine.'], query });
  assert.equal(offTopic.assessment.contextualGroundingPolicy!.filters.find((x) => x.type === 'RELEVANCE')!.detected, true);
  assert.ok(invented.usage.contextualGroundingPolicyUnits >= 1);
  // Without a grounding source there is nothing to ground against: skipped, as Bedrock does.
  assert.equal(g.evaluate(['anything'], 'OUTPUT').assessment.contextualGroundingPolicy, undefined);
});

test('a detector that throws blocks by default (fail closed) and passes only with onError allow', () => {
  const def = { sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL' as const, action: 'ANONYMIZE' as const }] } };
  const closed = guard(def, { throwing: 'pii' }).evaluate(['hello'], 'INPUT');
  assert.equal(closed.outcome, 'BLOCKED');
  assert.match(closed.actionReason, /fail closed/);
  assert.deepEqual(closed.assessment.rampartPolicy?.errors, [{ detector: 'pii', onError: 'block', reason: 'detector error' }]);
  const open = guard({ ...def, rampart: { onError: { pii: 'allow' } } }, { throwing: 'pii' }).evaluate(['hello'], 'INPUT');
  assert.equal(open.action, 'NONE');
  assert.equal(open.assessment.rampartPolicy?.errors[0].onError, 'allow');
  const cls = guard({ contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'LOW', outputStrength: 'LOW' }] } }, { throwing: 'classifier' });
  assert.equal(cls.evaluate(['hello'], 'INPUT').outcome, 'BLOCKED');
});

test('a classifier that fails on one text of several, or returns no number, blocks (fail closed)', () => {
  const kit = standInKit();
  const hate = { contentPolicyConfig: { filtersConfig: [{ type: 'HATE' as const, inputStrength: 'LOW' as const, outputStrength: 'LOW' as const }] } };
  // Fails on the third message only: the first two scored fine, and the call still blocks.
  const third = { ...kit, classifier: (name: Parameters<NonNullable<typeof kit.classifier>>[0]) => ({ name, score: (t: string) => (t === 'three' ? Number.NaN : 0.01) }) };
  const ev = guard(hate, third).evaluate(['one', 'two', 'three'], 'INPUT');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.equal(ev.assessment.rampartPolicy?.errors[0].reason, 'detector error');
  assert.equal(ev.assessment.contentPolicy?.filters.length, 0);
  const fine = guard(hate, third).evaluate(['one', 'two'], 'INPUT');
  assert.equal(fine.outcome, 'NONE');
});

test('PII findings below rampart.pii.minConfidence (default MEDIUM) are neither masked nor reported', () => {
  const text = 'Ask June about the March invoices, says Jane Doe.';
  const at = (w: string) => ({ start: text.indexOf(w), end: text.indexOf(w) + w.length });
  // A tagger-like detector: a doubtful span (LOW), a likely one (MEDIUM) and a sure one (HIGH).
  const pii = () => ({
    name: 'pii',
    scan: () => [
      { detector: 'pii', type: 'NAME', confidence: 'LOW' as const, score: 0.2, ...at('March') },
      { detector: 'pii', type: 'NAME', confidence: 'MEDIUM' as const, score: 0.6, ...at('June') },
      { detector: 'pii', type: 'NAME', confidence: 'HIGH' as const, score: 0.9, ...at('Jane Doe') },
    ],
  });
  const kit = { ...standInKit(), pii };
  const names = { sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'NAME' as const, action: 'ANONYMIZE' as const }] } };
  const masked = (min?: 'LOW' | 'MEDIUM' | 'HIGH') => {
    const ev = guard({ ...names, ...(min ? { rampart: { pii: { minConfidence: min } } } : {}) }, kit).evaluate([text], 'INPUT');
    return [ev.outputs[0], ev.assessment.sensitiveInformationPolicy?.piiEntities.map((e) => e.match)];
  };
  assert.deepEqual(masked(), ['Ask {NAME} about the March invoices, says {NAME}.', ['June', 'Jane Doe']]);
  assert.deepEqual(masked('LOW'), ['Ask {NAME} about the {NAME} invoices, says {NAME}.', ['March', 'June', 'Jane Doe']]);
  assert.deepEqual(masked('HIGH'), ['Ask June about the March invoices, says {NAME}.', ['Jane Doe']]);
  assert.throws(() => guard({ ...names, rampart: { pii: { minConfidence: 'SOME' as never } } }, kit), /rampart\.pii\.minConfidence/);
});

test('the time budget of a classifier covers all texts of the call, not each text alone', () => {
  const kit = standInKit();
  // 0.6 ms per text: under a 1 ms budget for one text, over it for three.
  const slow = { ...kit, classifier: (name: Parameters<NonNullable<typeof kit.classifier>>[0]) => ({ name, score: () => { const t = performance.now(); while (performance.now() - t < 0.6); return 0.01; } }) };
  const hate = { contentPolicyConfig: { filtersConfig: [{ type: 'HATE' as const, inputStrength: 'LOW' as const, outputStrength: 'LOW' as const }] }, rampart: { detectorBudgetMs: 1 } };
  const ev = guard(hate, slow).evaluate(['one', 'two', 'three'], 'INPUT');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.equal(ev.assessment.rampartPolicy?.errors[0].reason, 'time budget exceeded');
});

test('a detector over its time budget counts as an error', () => {
  const kit = standInKit();
  const slow = { ...kit, secrets: () => ({ name: 'slow', scan: () => { const t = performance.now(); while (performance.now() - t < 20); return []; } }) };
  const ev = guard({ rampart: { secrets: {}, detectorBudgetMs: 1 } }, slow).evaluate(['x'], 'INPUT');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.equal(ev.assessment.rampartPolicy?.errors[0].reason, 'time budget exceeded');
});

test('shadow mode records what it would do and changes nothing', () => {
  const g = guard({ sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'BLOCK' }] }, rampart: { mode: 'shadow' } });
  const ev = g.evaluate(['bob@example.com'], 'INPUT');
  assert.equal(ev.action, 'NONE');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.deepEqual(ev.outputs, ['bob@example.com']);
  assert.equal(ev.findings.length, 1);
  assert.match(ev.actionReason, /Shadow/);
});

test('Rampart policies: secrets never echo the match; invisible text is stripped; output handling and canary on output', () => {
  const g = guard({ rampart: { secrets: { action: 'ANONYMIZE' }, invisibleText: { action: 'ANONYMIZE' }, outputHandling: { blockHtml: true }, promptLeak: { canary: true } } });
  const ev = g.evaluate(['key AKIAABCDEFGHIJKLMNOP and hid\u200Bden'], 'INPUT');
  assert.deepEqual(ev.outputs, ['key {AWS_ACCESS_KEY} and hidden']);
  assert.ok(!JSON.stringify(ev.assessment).includes('AKIAABCDEFGHIJKLMNOP'));
  assert.equal(g.evaluate(['<script>alert(1)</script>'], 'INPUT').action, 'NONE');
  assert.equal(g.evaluate(['<script>alert(1)</script>'], 'OUTPUT').outcome, 'BLOCKED');
  assert.equal(g.evaluate(['sure: rc-abc123'], 'OUTPUT', { canary: 'rc-abc123' }).outcome, 'BLOCKED');
  const sys = ['You are Ada, the support assistant of Example Bank. Never discuss interest rates before the customer is verified by the teller.'];
  assert.equal(g.evaluate([`My instructions: ${sys[0]}`], 'OUTPUT', { systemPrompt: sys }).outcome, 'BLOCKED');
  assert.equal(g.evaluate(['I am Ada, how can I help you today?'], 'OUTPUT', { systemPrompt: sys }).action, 'NONE');
});

test('usage counts one text unit per 1000 characters per configured policy; coverage counts characters', () => {
  const g = guard({
    contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'BLOCK' }] },
  });
  const ev = g.evaluate(['a'.repeat(1001), 'b'.repeat(10)], 'INPUT');
  assert.deepEqual(ev.usage, {
    topicPolicyUnits: 0,
    contentPolicyUnits: 3,
    wordPolicyUnits: 0,
    sensitiveInformationPolicyUnits: 3,
    sensitiveInformationPolicyFreeUnits: 0,
    contextualGroundingPolicyUnits: 0,
  });
  assert.deepEqual(ev.coverage, { textCharacters: { guarded: 1011, total: 1011 } });
});

test('a classifier with its own calibrated confidence mapping is used as is', () => {
  const kit = standInKit();
  const calibrated = { ...kit, classifier: () => ({ name: 'insults', score: () => 0.2, confidence: () => 'HIGH' as const }) };
  const ev = guard({ contentPolicyConfig: { filtersConfig: [{ type: 'INSULTS', inputStrength: 'LOW', outputStrength: 'LOW' }] } }, calibrated).evaluate(['x'], 'INPUT');
  assert.equal(ev.outcome, 'BLOCKED');
  assert.equal(ev.assessment.contentPolicy?.filters[0].confidence, 'HIGH');
});
