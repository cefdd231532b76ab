import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGuardrail } from '../../compile.js';
import { parseGuardrailDefinition } from '../../schema.js';
import { PII_ENTITY_TYPES } from '../pii/entities.js';
import { createDetectorKit } from '../kit.js';
import { loadPiiTagger } from './index.js';

test('a doubtful tagger span below the confidence bar does not displace the PII it overlaps', () => {
  const def = parseGuardrailDefinition({
    name: 'all-pii',
    blockedInputMessaging: 'blocked',
    blockedOutputsMessaging: 'blocked',
    sensitiveInformationPolicyConfig: { piiEntitiesConfig: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' as const })) },
  });
  const g = compileGuardrail(def, { id: 'g', version: '1', kit: createDetectorKit({ piiTagger: loadPiiTagger() }) });
  // The tagger reads "987654321 Tom" as a name at LOW confidence; the account number (MEDIUM) must win.
  const ev = g.evaluate(['My acct no 987654321 Tom said'], 'INPUT', {});
  assert.equal(ev.outcome, 'ANONYMIZED');
  assert.ok(!ev.outputs[0].includes('987654321'), ev.outputs[0]);
});
