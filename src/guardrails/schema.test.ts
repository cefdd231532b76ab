import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardrailConfigError, PII_ENTITY_TYPES, parseGuardrailDefinition } from './schema.js';
import { loadGuardrail } from './compile.js';
import { standInKit } from './testkit.js';

const base = { name: 'support-bot', blockedInputMessaging: 'Sorry, I cannot help with that.', blockedOutputsMessaging: 'Sorry, I cannot answer that.' };

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GuardrailConfigError, `expected GuardrailConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected an error');
}

test('a full Bedrock CreateGuardrail definition parses, with Rampart defaults', () => {
  const def = parseGuardrailDefinition({
    ...base,
    description: 'all policies',
    contentPolicyConfig: {
      filtersConfig: [
        { type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' },
        { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE', inputAction: 'BLOCK', inputEnabled: true },
      ],
    },
    topicPolicyConfig: { topicsConfig: [{ name: 'Investment Advice', definition: 'Advice on investing money.', examples: ['Which stocks should I buy?'], type: 'DENY' }] },
    wordPolicyConfig: { wordsConfig: [{ text: 'competitor' }], managedWordListsConfig: [{ type: 'PROFANITY' }] },
    sensitiveInformationPolicyConfig: {
      piiEntitiesConfig: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })),
      regexesConfig: [{ name: 'ticket', pattern: 'TKT-\\d{6}', action: 'BLOCK' }],
    },
    contextualGroundingPolicyConfig: { filtersConfig: [{ type: 'GROUNDING', threshold: 0.7 }, { type: 'RELEVANCE', threshold: 0.5 }] },
  });
  assert.equal(PII_ENTITY_TYPES.length, 31);
  assert.equal(def.rampart.mode, 'enforce');
  assert.equal(def.rampart.onError, 'block');
  assert.equal(def.sensitiveInformationPolicyConfig?.piiEntitiesConfig?.length, 31);
});

test('an unknown PII type is refused with its field path', () => {
  const issues = issuesOf(() =>
    parseGuardrailDefinition({
      ...base,
      sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'BLOCK' }, { type: 'SHOE_SIZE', action: 'BLOCK' }] },
    }),
  );
  assert.equal(issues[0].path, 'sensitiveInformationPolicyConfig.piiEntitiesConfig[1].type');
});

test('a grounding threshold outside 0..0.99 is refused with its path', () => {
  const issues = issuesOf(() => parseGuardrailDefinition({ ...base, contextualGroundingPolicyConfig: { filtersConfig: [{ type: 'GROUNDING', threshold: 1 }] } }));
  assert.equal(issues[0].path, 'contextualGroundingPolicyConfig.filtersConfig[0].threshold');
  assert.match(issues[0].message, /0\.99/);
});

test('a pattern the linear-time engine cannot compile is refused (backreference)', () => {
  const issues = issuesOf(() =>
    parseGuardrailDefinition({ ...base, sensitiveInformationPolicyConfig: { regexesConfig: [{ name: 'x', pattern: '(a)\\1', action: 'BLOCK' }] } }),
  );
  assert.equal(issues[0].path, 'sensitiveInformationPolicyConfig.regexesConfig[0].pattern');
});

test('bad strengths, unknown fields, PROMPT_ATTACK output strength and duplicates are refused', () => {
  const issues = issuesOf(() =>
    parseGuardrailDefinition({
      ...base,
      contentPolicyConfig: {
        filtersConfig: [
          { type: 'HATE', inputStrength: 'EXTREME', outputStrength: 'HIGH' },
          { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'HIGH' },
        ],
      },
      bogus: 1,
    }),
  );
  const paths = issues.map((i) => i.path);
  assert.ok(paths.includes('contentPolicyConfig.filtersConfig[0].inputStrength'), paths.join());
  assert.ok(paths.some((p) => p === '' || p === 'bogus'), paths.join());
  const dup = issuesOf(() => parseGuardrailDefinition({ ...base, topicPolicyConfig: { topicsConfig: [1, 2].map(() => ({ name: 'A', definition: 'd', type: 'DENY' })) } }));
  assert.equal(dup[0].path, 'topicPolicyConfig.topicsConfig[1]');
});

test('rampart extensions: onError as a map, shadow mode, streaming options', () => {
  const def = parseGuardrailDefinition({
    ...base,
    rampart: { mode: 'shadow', onError: { default: 'allow', pii: 'block' }, streaming: { mode: 'async' }, anonymization: { reversible: true } },
  });
  assert.deepEqual(def.rampart.onError, { default: 'allow', pii: 'block' });
  assert.equal(def.rampart.streaming?.windowChars, 256);
  const issues = issuesOf(() => parseGuardrailDefinition({ ...base, rampart: { onError: { nope: 'allow' } } }));
  assert.match(issues[0].path, /^rampart\.onError/);
});

test('compile fails at load, with the path, when a detector is missing or refuses its options', () => {
  const kit = standInKit();
  delete kit.secrets;
  const issues = issuesOf(() => loadGuardrail({ ...base, rampart: { secrets: {} } }, { id: 'g', version: 'DRAFT', kit }));
  assert.equal(issues[0].path, 'rampart.secrets');
  const refusing = { ...standInKit(), pii: () => { throw new Error('NAME needs a model'); } };
  const issues2 = issuesOf(() =>
    loadGuardrail({ ...base, sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'NAME', action: 'BLOCK' }] } }, { id: 'g', version: '1', kit: refusing, basePath: 'guardrails[2]' }),
  );
  assert.equal(issues2[0].path, 'guardrails[2].sensitiveInformationPolicyConfig.piiEntitiesConfig');
  assert.match(issues2[0].message, /NAME needs a model/);
});
