import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../errors.js';
import { loadGuardrail } from './compile.js';
import { applyGuardrail, decodeApplyGuardrail } from './apply.js';
import { standInKit } from './testkit.js';

const ref = { id: 'gr0abc123xyz', version: '1' };
const guardrail = loadGuardrail(
  {
    name: 'apply-demo',
    blockedInputMessaging: 'Sorry, the model cannot answer this question.',
    blockedOutputsMessaging: 'Sorry, the model cannot answer this question.',
    contentPolicyConfig: { filtersConfig: [{ type: 'INSULTS', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    sensitiveInformationPolicyConfig: {
      piiEntitiesConfig: [{ type: 'EMAIL', action: 'ANONYMIZE' }, { type: 'PHONE', action: 'NONE' }],
      regexesConfig: [{ name: 'booking', pattern: 'BK-[0-9]{5}', action: 'BLOCK' }],
    },
    contextualGroundingPolicyConfig: { filtersConfig: [{ type: 'GROUNDING', threshold: 0.75 }, { type: 'RELEVANCE', threshold: 0.5 }] },
  },
  { id: ref.id, version: ref.version, kit: standInKit() },
);

function badRequestParam(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RampartError && err.code === 'bad_request', String(err));
    return err.param;
  }
  assert.fail('expected bad_request');
}

test('decodes Bedrock\'s documented request shape with qualifiers', () => {
  const req = decodeApplyGuardrail(
    {
      source: 'OUTPUT',
      content: [
        { text: { text: 'London is the capital of UK. Tokyo is the capital of Japan.', qualifiers: ['grounding_source'] } },
        { text: { text: 'What is the capital of Japan?', qualifiers: ['query'] } },
        { text: { text: 'The capital of Japan is Tokyo.' } },
      ],
      outputScope: 'FULL',
    },
    ref,
  );
  assert.equal(req.guardrailIdentifier, ref.id);
  assert.equal(req.guardrailVersion, '1');
  assert.equal(req.content.length, 3);
  assert.equal(req.outputScope, 'FULL');
  assert.equal(decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'x' } }] }, ref).outputScope, 'INTERVENTIONS');
});

test('refuses bad requests with the field path', () => {
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'SIDEWAYS', content: [{ text: { text: 'x' } }] }, ref)), 'source');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [] }, ref)), 'content');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'a' } }, { text: { text: 7 } }] }, ref)), 'content[1].text.text');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'a', qualifiers: ['nope'] } }] }, ref)), 'content[0].text.qualifiers[0]');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [{ image: { format: 'png', source: { bytes: '' } } }] }, ref)), 'content[0].image');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'a' } }], outputScope: 'ALL' }, ref)), 'outputScope');
  assert.equal(badRequestParam(() => decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'x'.repeat(60_000) } }, { text: { text: 'x'.repeat(60_000) } }] }, ref)), 'content');
  assert.equal(badRequestParam(() => decodeApplyGuardrail(null, ref)), undefined);
});

test('no intervention: action NONE, empty outputs, usage and coverage in Bedrock\'s shape', () => {
  const res = applyGuardrail(guardrail, decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'What is the capital of Japan?' } }] }, ref));
  assert.equal(res.action, 'NONE');
  assert.deepEqual(res.outputs, []);
  assert.deepEqual(res.usage, {
    topicPolicyUnits: 0,
    contentPolicyUnits: 1,
    wordPolicyUnits: 0,
    sensitiveInformationPolicyUnits: 1,
    sensitiveInformationPolicyFreeUnits: 0,
    contextualGroundingPolicyUnits: 0,
  });
  assert.deepEqual(res.guardrailCoverage, { textCharacters: { guarded: 29, total: 29 } });
  assert.equal(res.assessments.length, 1);
  assert.deepEqual(res.assessments[0].invocationMetrics?.guardrailCoverage, res.guardrailCoverage);
  // The whole answer survives a JSON round trip (what the route sends).
  assert.deepEqual(JSON.parse(JSON.stringify(res)), res);
});

test('masking: outputs carry the anonymized texts; INTERVENTIONS omits detect-only entries, FULL keeps them', () => {
  const body = { source: 'INPUT', content: [{ text: { text: 'Reach me at jo@example.com or 555-123-4567' } }, { text: { text: 'thanks' } }] };
  const res = applyGuardrail(guardrail, decodeApplyGuardrail(body, ref));
  assert.equal(res.action, 'GUARDRAIL_INTERVENED');
  assert.equal(res.actionReason, 'Guardrail masked.');
  assert.deepEqual(res.outputs, [{ text: 'Reach me at {EMAIL} or 555-123-4567' }, { text: 'thanks' }]);
  assert.deepEqual(res.assessments[0].sensitiveInformationPolicy?.piiEntities, [{ match: 'jo@example.com', type: 'EMAIL', action: 'ANONYMIZED', detected: true }]);
  const full = applyGuardrail(guardrail, decodeApplyGuardrail({ ...body, outputScope: 'FULL' }, ref));
  assert.deepEqual(full.assessments[0].sensitiveInformationPolicy?.piiEntities.map((p) => [p.type, p.action]), [
    ['EMAIL', 'ANONYMIZED'],
    ['PHONE', 'NONE'],
  ]);
});

test('blocking: outputs hold the blocked message once; the regex assessment is Bedrock-shaped', () => {
  const res = applyGuardrail(guardrail, decodeApplyGuardrail({ source: 'INPUT', content: [{ text: { text: 'Cancel BK-12345, you idiot' } }] }, ref));
  assert.equal(res.action, 'GUARDRAIL_INTERVENED');
  assert.deepEqual(res.outputs, [{ text: 'Sorry, the model cannot answer this question.' }]);
  assert.deepEqual(res.assessments[0].sensitiveInformationPolicy?.regexes, [{ name: 'booking', match: 'BK-12345', regex: 'BK-[0-9]{5}', action: 'BLOCKED', detected: true }]);
  assert.deepEqual(res.assessments[0].contentPolicy?.filters, [{ type: 'INSULTS', confidence: 'HIGH', filterStrength: 'HIGH', action: 'BLOCKED', detected: true }]);
});

test('contextual grounding with Bedrock\'s documented example: grounded answer passes, invented one is blocked', () => {
  const content = (answer: string) => [
    { text: { text: 'London is the capital of UK. Tokyo is the capital of Japan.', qualifiers: ['grounding_source'] } },
    { text: { text: 'What is the capital of Japan?', qualifiers: ['query'] } },
    { text: { text: answer } },
  ];
  const ok = applyGuardrail(guardrail, decodeApplyGuardrail({ source: 'OUTPUT', content: content('The capital of Japan is Tokyo.'), outputScope: 'FULL' }, ref));
  assert.equal(ok.action, 'NONE');
  const filters = ok.assessments[0].contextualGroundingPolicy?.filters ?? [];
  assert.deepEqual(filters.map((f) => [f.type, f.threshold, f.action, f.detected]), [
    ['GROUNDING', 0.75, 'NONE', false],
    ['RELEVANCE', 0.5, 'NONE', false],
  ]);
  assert.equal(ok.guardrailCoverage.textCharacters.guarded, 'The capital of Japan is Tokyo.'.length);
  assert.ok(ok.guardrailCoverage.textCharacters.total > ok.guardrailCoverage.textCharacters.guarded);
  assert.equal(ok.usage.contextualGroundingPolicyUnits, 1);
  const bad = applyGuardrail(guardrail, decodeApplyGuardrail({ source: 'OUTPUT', content: content('The capital of Japan is Osaka, founded in 1868.') }, ref));
  assert.equal(bad.action, 'GUARDRAIL_INTERVENED');
  assert.deepEqual(bad.assessments[0].contextualGroundingPolicy?.filters.map((f) => f.type), ['GROUNDING']);
});
