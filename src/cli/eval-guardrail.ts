import type { EvalTarget } from '../guardrails/eval/run.js';
import { GuardrailSet } from '../guardrails/config.js';
import { realDetectorKit } from '../app.js';
import { PII_ENTITY_TYPES } from '../guardrails/schema.js';
import { loadFromArgs } from './serve.js';

const PII = new Set<string>(PII_ENTITY_TYPES);

/**
 * `rampart eval --guardrail ID`: measures a whole configured guardrail (the config of --config or
 * RAMPART_CONFIG, else the built-in default) as its INPUT side would act. On a labelled set a row
 * is flagged when the guardrail intervenes (blocks or masks); on the PII set the spans are the PII
 * findings it would act on.
 */
export function guardrailTarget(configFile: string | undefined) {
  const loaded = loadFromArgs(configFile);
  const set = new GuardrailSet(loaded.config.guardrails, realDetectorKit());
  return async (ref: string, detector: string): Promise<EvalTarget> => {
    const [id, version = 'DRAFT'] = ref.split(':');
    const g = set.get({ id, version });
    if (!g) throw new Error(`no guardrail ${ref} in ${loaded.file ?? 'the embedded defaults'} (have: ${set.ids().join(', ')})`);
    if (detector === 'pii') {
      return {
        kind: 'spans',
        run: (text) =>
          g.evaluate([text], 'INPUT', {}).findings
            .filter((f) => PII.has(f.type) && f.start !== undefined && f.end !== undefined)
            .map((f) => ({ type: f.type, start: f.start!, end: f.end! })),
      };
    }
    return {
      kind: 'classifier',
      run: (text) => {
        const ev = g.evaluate([text], 'INPUT', {});
        const score = ev.findings.reduce((m, f) => Math.max(m, f.score ?? (ev.outcome === 'NONE' ? 0 : 1)), 0);
        return { flagged: ev.outcome !== 'NONE', score };
      },
    };
  };
}
