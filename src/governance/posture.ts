/**
 * Posture: for one application, each applicable baseline rule and each of its controls, met, missing or weaker than
 * required. Evaluated from the application record, the guardrails it actually gets (definitions, not names) and the
 * catalog facts of the models it uses.
 */
import type { CompiledModel } from '../config/compile.js';
import type { GuardrailDefinition } from '../guardrails/schema.js';
import { applicableRules, BASELINE_RULES, type BaselineRule, type Control } from './baselines.js';
import { classRank, type Application, type DataClass } from './types.js';

export type ControlStatus = 'met' | 'weaker' | 'missing';

/** A guardrail as posture sees it: only `enforce` guardrails protect; `shadow` ones only observe. */
export interface PostureGuardrail {
  id: string;
  mode: 'enforce' | 'shadow';
  definition: GuardrailDefinition;
}

/** The catalog facts posture needs about a model (a CompiledModel after applyCatalog has them). */
export type ModelFacts = Pick<CompiledModel, 'name' | 'dataClassifications' | 'fineTuned'> & { trainingDataClassification?: DataClass };

export interface ControlResult {
  control: Control;
  label: string;
  status: ControlStatus;
  detail: string;
}

export interface RuleResult {
  id: string;
  title: string;
  mode: 'warn' | 'block';
  owasp: string[];
  status: ControlStatus;
  controls: ControlResult[];
}

export interface Posture {
  application: string;
  /** compliant: every rule met; warn: only warn-mode rules unmet; blocked: a block-mode rule unmet. */
  status: 'compliant' | 'warn' | 'blocked';
  rules: RuleResult[];
  /** Guardrails named by the application that do not exist (they protect nothing). */
  unknownGuardrails: string[];
}

export interface PostureInput {
  app: Application;
  guardrails: readonly PostureGuardrail[];
  unknownGuardrails?: readonly string[];
  models: ReadonlyMap<string, ModelFacts>;
  rules?: readonly BaselineRule[];
}

const STRENGTH = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 } as const;
const worst = (a: ControlStatus, b: ControlStatus): ControlStatus =>
  a === 'missing' || b === 'missing' ? 'missing' : a === 'weaker' || b === 'weaker' ? 'weaker' : 'met';

export function evaluatePosture(input: PostureInput): Posture {
  const rules = applicableRules(input.app, input.rules ?? BASELINE_RULES).map((rule): RuleResult => {
    const controls = rule.require.map((c) => checkControl(c, input));
    return {
      id: rule.id,
      title: rule.title,
      mode: rule.mode,
      owasp: rule.owasp,
      status: controls.reduce<ControlStatus>((s, c) => worst(s, c.status), 'met'),
      controls,
    };
  });
  const unmet = rules.filter((r) => r.status !== 'met');
  return {
    application: input.app.id,
    status: unmet.some((r) => r.mode === 'block') ? 'blocked' : unmet.length ? 'warn' : 'compliant',
    rules,
    unknownGuardrails: [...(input.unknownGuardrails ?? [])],
  };
}

/** The first unmet block-mode rule, as the sentence a refused caller sees. */
export function blockingReason(p: Posture): string | undefined {
  const r = p.rules.find((x) => x.mode === 'block' && x.status !== 'met');
  if (!r) return undefined;
  const c = r.controls.find((x) => x.status !== 'met');
  return `Application "${p.application}" does not meet baseline rule "${r.id}" (${r.title})` + (c ? `: ${c.label} is ${c.status} (${c.detail}).` : '.');
}

function result(control: Control, label: string, status: ControlStatus, detail: string): ControlResult {
  return { control, label, status, detail };
}

function checkControl(c: Control, input: PostureInput): ControlResult {
  const { app, guardrails } = input;
  switch (c.kind) {
    case 'contentFilter': {
      const label = `${c.type} ${c.direction} filter >= ${c.minStrength}`;
      let enforced = 0;
      let shadow = 0;
      for (const g of guardrails) {
        for (const f of g.definition.contentPolicyConfig?.filtersConfig ?? []) {
          if (f.type !== c.type) continue;
          const input = c.direction === 'input';
          const enabled = (input ? f.inputEnabled : f.outputEnabled) !== false;
          // Bedrock's action NONE detects without blocking: it protects nothing.
          const acts = (input ? f.inputAction : f.outputAction) !== 'NONE';
          const s = enabled && acts ? STRENGTH[input ? f.inputStrength : f.outputStrength] : 0;
          if (g.mode === 'enforce') enforced = Math.max(enforced, s);
          else shadow = Math.max(shadow, s);
        }
      }
      const need = STRENGTH[c.minStrength];
      if (enforced >= need) return result(c, label, 'met', `strength ${nameOf(enforced)}`);
      if (enforced > 0) return result(c, label, 'weaker', `strength ${nameOf(enforced)}, needs ${c.minStrength}`);
      if (shadow > 0) return result(c, label, 'weaker', 'only in a shadow-mode guardrail, which does not block');
      return result(c, label, 'missing', guardrails.length ? 'no attached guardrail has it' : 'no guardrail attached');
    }
    case 'piiProtection': {
      const label = `PII anonymisation on ${c.direction}`;
      const protects = (g: PostureGuardrail) =>
        (g.definition.sensitiveInformationPolicyConfig?.piiEntitiesConfig ?? []).some((e) => {
          const enabled = (c.direction === 'input' ? e.inputEnabled : e.outputEnabled) !== false;
          const action = (c.direction === 'input' ? e.inputAction : e.outputAction) ?? e.action;
          return enabled && (action === 'ANONYMIZE' || action === 'BLOCK');
        });
      if (guardrails.some((g) => g.mode === 'enforce' && protects(g))) return result(c, label, 'met', 'PII entities anonymised or blocked');
      if (guardrails.some(protects)) return result(c, label, 'weaker', 'only in a shadow-mode guardrail');
      return result(c, label, 'missing', 'no PII entity is anonymised or blocked');
    }
    case 'secretScanning': {
      const on = guardrails.some((g) => g.mode === 'enforce' && g.definition.rampart.secrets?.enabled === true);
      return result(c, 'secret scanning', on ? 'met' : 'missing', on ? 'enabled' : 'no attached guardrail scans for secrets');
    }
    case 'linkAllowlist': {
      const on = guardrails.some((g) => g.mode === 'enforce' && g.definition.rampart.outputHandling?.allowedLinkDomains !== undefined);
      return result(c, 'link and image domain allowlist', on ? 'met' : 'missing', on ? 'configured' : 'answers may link anywhere');
    }
    case 'loggingMode': {
      const ok = c.oneOf.includes(app.loggingMode);
      return result(c, `logging ${c.oneOf.join('|')}`, ok ? 'met' : 'weaker', `logging mode is ${app.loggingMode}`);
    }
    case 'modelCleared': {
      const label = `models cleared for ${app.dataClassification} data`;
      if (app.models.length === 0) return result(c, label, 'met', 'no models declared; every call is checked against its model');
      const bad = app.models.filter((m) => !input.models.get(m)?.dataClassifications.includes(app.dataClassification));
      return bad.length
        ? result(c, label, 'missing', `not cleared: ${bad.map((m) => (input.models.has(m) ? m : `${m} (not in catalog)`)).join(', ')}`)
        : result(c, label, 'met', `${app.models.length} model(s) cleared`);
    }
    case 'trainingDataCleared': {
      const label = 'cleared for fine-tuned models\' training data';
      const problems: string[] = [];
      for (const name of app.models) {
        const m = input.models.get(name);
        if (!m?.fineTuned) continue;
        const t = m.trainingDataClassification;
        if (!t) problems.push(`${name}: training data classification not recorded`);
        else if (classRank(t) > classRank(app.dataClassification)) problems.push(`${name} carries ${t} training data; the application handles ${app.dataClassification}`);
      }
      return problems.length ? result(c, label, 'missing', problems.join('; ')) : result(c, label, 'met', 'no conflict');
    }
    case 'fallback':
      return app.fallbackDeployments.length
        ? result(c, 'fallback deployment', 'met', app.fallbackDeployments.join(', '))
        : result(c, 'fallback deployment', 'missing', 'none declared');
    case 'regionsDeclared':
      return app.allowedRegions?.length
        ? result(c, 'allowed regions', 'met', app.allowedRegions.join(', '))
        : result(c, 'allowed regions', 'missing', 'data may reach any region');
    case 'limits': {
      const l = app.limits;
      const on = !!l && (l.requestsPerMinute !== undefined || l.tokensPerDay !== undefined || l.budgetUsdPerMonth !== undefined);
      return result(c, 'request/token limits', on ? 'met' : 'missing', on ? 'set' : 'none set');
    }
  }
}

function nameOf(n: number): string {
  return (['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const)[n];
}
