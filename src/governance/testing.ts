/** Test helpers: a real SQLite store in a temp directory, and an audit function that keeps events in memory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { AuditFn, GovernanceEvent } from './audit.js';
import type { ApplicationInput } from './types.js';
import type { GuardrailDefinitionInput } from '../guardrails/schema.js';

/**
 * A guardrail with every control the shipped baselines can ask for, defined here rather than taken from the built-in
 * default so these tests do not change when the default is re-tuned.
 */
export const FULL_GUARDRAIL: GuardrailDefinitionInput = {
  name: 'full',
  blockedInputMessaging: 'Blocked by policy.',
  blockedOutputsMessaging: 'Blocked by policy.',
  contentPolicyConfig: {
    filtersConfig: [
      { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' },
      { type: 'HATE', inputStrength: 'MEDIUM', outputStrength: 'MEDIUM' },
      { type: 'INSULTS', inputStrength: 'MEDIUM', outputStrength: 'MEDIUM' },
    ],
  },
  sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'US_SOCIAL_SECURITY_NUMBER', action: 'ANONYMIZE' }, { type: 'EMAIL', action: 'ANONYMIZE' }] },
  rampart: { secrets: { action: 'BLOCK', enabled: true }, invisibleText: { action: 'BLOCK', enabled: true }, outputHandling: { allowedLinkDomains: [], blockHtml: false } },
} as GuardrailDefinitionInput;

export async function tempStore(): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-gov-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'rampart.db'), pollIntervalMs: 50 });
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function memoryAudit(): { audit: AuditFn; events: GovernanceEvent[] } {
  const events: GovernanceEvent[] = [];
  return { audit: (e) => { events.push(e); }, events };
}

export function appInput(over: Partial<ApplicationInput> = {}): ApplicationInput {
  return {
    id: 'support-bot',
    name: 'Customer support assistant',
    owner: 'alice@example.com',
    team: 'support',
    exposure: 'internal',
    scope: 3,
    dataClassification: 'internal',
    criticality: 'medium',
    guardrails: [],
    loggingMode: 'full',
    ...over,
  };
}
