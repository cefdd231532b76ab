import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGuardrailDefinition } from '../guardrails/schema.js';
import { applicableRules, compileBaselines, BASELINE_RULES } from './baselines.js';
import { evaluatePosture, type ModelFacts, type PostureGuardrail } from './posture.js';
import { ApplicationSchema, DATA_CLASSES, EXPOSURES, SCOPES, type Application, type DataClass } from './types.js';
import { appInput, FULL_GUARDRAIL } from './testing.js';

const rank = (c: DataClass) => DATA_CLASSES.indexOf(c);
const fullGuardrail: PostureGuardrail = { id: 'full', mode: 'enforce', definition: parseGuardrailDefinition(FULL_GUARDRAIL) };
const cleared: ReadonlyMap<string, ModelFacts> = new Map([
  ['gpt-4o', { name: 'gpt-4o', dataClassifications: [...DATA_CLASSES], fineTuned: false }],
]);

/** Written independently of the rule data: what the guidance asks for each classification. */
function expectedRules(scope: number, exposure: string, cls: DataClass): string[] {
  const out: string[] = [];
  if (scope >= 3) out.push('prompt-attack-filter');
  if (exposure === 'consumer-facing') out.push('consumer-output-filters', 'consumer-pii-anonymisation', 'consumer-link-allowlist', 'consumer-limits');
  if (rank(cls) >= rank('confidential')) out.push('confidential-model-clearance', 'confidential-logging', 'confidential-secrets');
  if (cls === 'restricted') out.push('restricted-residency');
  out.push('fine-tuned-training-data');
  return out.sort();
}

/** Bare posture (no guardrails, full logging, nothing declared): which block-mode rules fail. */
function expectedBareBlocking(scope: number, exposure: string, cls: DataClass): string[] {
  const out: string[] = [];
  if (scope >= 3) out.push('prompt-attack-filter');
  if (exposure === 'consumer-facing') out.push('consumer-output-filters', 'consumer-pii-anonymisation');
  if (rank(cls) >= rank('confidential')) out.push('confidential-logging');
  if (cls === 'restricted') out.push('restricted-residency');
  return out.sort();
}

describe('baseline derivation: every scope x exposure x classification', () => {
  for (const scope of SCOPES) {
    for (const exposure of EXPOSURES) {
      for (const cls of DATA_CLASSES) {
        it(`scope ${scope}, ${exposure}, ${cls}`, () => {
          const app: Application = ApplicationSchema.parse(appInput({ scope, exposure, dataClassification: cls, models: ['gpt-4o'] }));
          assert.deepEqual(applicableRules(app).map((r) => r.id).sort(), expectedRules(scope, exposure, cls));

          const bare = evaluatePosture({ app, guardrails: [], models: cleared });
          const blocking = bare.rules.filter((r) => r.mode === 'block' && r.status !== 'met').map((r) => r.id).sort();
          assert.deepEqual(blocking, expectedBareBlocking(scope, exposure, cls));
          assert.equal(bare.status, blocking.length ? 'blocked' : bare.rules.some((r) => r.status !== 'met') ? 'warn' : 'compliant');

          const equipped: Application = {
            ...app,
            loggingMode: 'masked',
            allowedRegions: ['eu-west-1'],
            limits: { requestsPerMinute: 60 },
            fallbackDeployments: ['demo/backup'],
          };
          const good = evaluatePosture({ app: equipped, guardrails: [fullGuardrail], models: cleared });
          assert.equal(good.status, 'compliant', JSON.stringify(good.rules.filter((r) => r.status !== 'met')));
        });
      }
    }
  }

  it('critical applications need a fallback (warn by default)', () => {
    const app = ApplicationSchema.parse(appInput({ scope: 1, criticality: 'critical' }));
    const p = evaluatePosture({ app, guardrails: [], models: cleared });
    const r = p.rules.find((x) => x.id === 'critical-fallback');
    assert.equal(r?.status, 'missing');
    assert.equal(r?.mode, 'warn');
    assert.equal(p.status, 'warn');
  });

  it('reports weaker when a filter is below the required strength or only in shadow mode', () => {
    const app = ApplicationSchema.parse(appInput({ scope: 3 }));
    const low = parseGuardrailDefinition({
      name: 'low', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'LOW', outputStrength: 'NONE' }] },
    });
    const weak = evaluatePosture({ app, guardrails: [{ id: 'low', mode: 'enforce', definition: low }], models: cleared });
    assert.equal(weak.rules[0].status, 'weaker');
    assert.match(weak.rules[0].controls[0].detail, /LOW, needs MEDIUM/);
    const shadow = evaluatePosture({ app, guardrails: [{ ...fullGuardrail, mode: 'shadow' }], models: cleared });
    assert.equal(shadow.rules[0].status, 'weaker');
    assert.equal(shadow.status, 'blocked');
  });

  it('confidential data: a model not cleared for it, and fine-tuned training data, are missing', () => {
    const app = ApplicationSchema.parse(appInput({ dataClassification: 'internal', models: ['ft', 'public-only'] }));
    const models = new Map<string, ModelFacts>([
      ['ft', { name: 'ft', dataClassifications: ['public', 'internal', 'confidential'], fineTuned: true, trainingDataClassification: 'confidential' }],
      ['public-only', { name: 'public-only', dataClassifications: ['public', 'internal'], fineTuned: false }],
    ]);
    const p = evaluatePosture({ app, guardrails: [fullGuardrail], models });
    const t = p.rules.find((r) => r.id === 'fine-tuned-training-data');
    assert.equal(t?.status, 'missing');
    assert.match(t!.controls[0].detail, /ft carries confidential training data/);
    const conf = evaluatePosture({ app: { ...app, dataClassification: 'confidential', loggingMode: 'encrypted' }, guardrails: [fullGuardrail], models });
    assert.match(conf.rules.find((r) => r.id === 'confidential-model-clearance')!.controls[0].detail, /not cleared: public-only/);
  });

  it('rules are data: modes can be overridden and bad config is refused with a path', () => {
    const rules = compileBaselines({ modes: { 'critical-fallback': 'block' } });
    assert.equal(rules.find((r) => r.id === 'critical-fallback')?.mode, 'block');
    assert.equal(rules.length, BASELINE_RULES.length);
    assert.throws(() => compileBaselines({ modes: { 'no-such-rule': 'block' } }), /no-such-rule/);
  });
});
