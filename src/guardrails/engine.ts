import { performance } from 'node:perf_hooks';
import { CONFIDENCE_RANK, strengthBlocks, type Confidence, type Detector, type Finding, type Strength, type TextSource } from './types.js';
import type { DetectorId } from './schema.js';
import type { Plan, SensitiveAction } from './compile.js';
import { applyMasks, mergeOwnSpans, type MaskSpan, type Vault } from './anonymize.js';
import { groundingScore, relevanceScore } from './grounding.js';
import { systemPromptOverlap } from './leak.js';
import type { GuardrailAssessment, GuardrailUsage, PolicyAction, RampartPolicyFinding } from './assessment.js';

export type { GuardrailAssessment, GuardrailUsage, PolicyAction } from './assessment.js';

/**
 * Evaluation of one compiled guardrail over texts of one side of a call. Fail closed: a detector
 * that throws or overruns its budget blocks unless its onError says allow, and the error is
 * recorded either way. Shadow mode evaluates everything and changes nothing.
 */

export interface EvaluateOptions {
  /** Contextual grounding: the source texts and the user query (OUTPUT only). */
  groundingSources?: readonly string[];
  query?: string;
  /** Prompt-leak checks (OUTPUT only): this request's canary and the system prompt as sent. */
  canary?: string;
  systemPrompt?: readonly string[];
  /** Reversible anonymisation: placeholders are numbered and recorded here. */
  vault?: Vault;
  /**
   * Per input text, true for what the developer or the model wrote (system prompts, earlier
   * assistant turns): PROMPT_ATTACK does not score those unless the guardrail's
   * rampart.promptAttack.scope is 'all'. Every other check still reads them.
   */
  trusted?: readonly boolean[];
  /**
   * all (default): every check. window: a piece of a stream, so whole-answer checks (JSON schema)
   * are skipped. whole: only the whole-answer checks, on a finished stream block.
   */
  scope?: 'all' | 'window' | 'whole';
}

export interface Evaluation {
  /** What happened: GUARDRAIL_INTERVENED when enforce mode blocked or masked. */
  action: 'NONE' | 'GUARDRAIL_INTERVENED';
  /** What the guardrail decided (also in shadow mode, where it is not carried out). */
  outcome: 'NONE' | 'BLOCKED' | 'ANONYMIZED';
  mode: 'enforce' | 'shadow';
  actionReason: string;
  assessment: GuardrailAssessment;
  /** Per input text, masked when ANONYMIZED; `[blockedMessage]` when BLOCKED; the inputs otherwise. */
  outputs: string[];
  /** Merged mask spans per input text (what ANONYMIZE replaced, or would replace in shadow mode). */
  masks: MaskSpan[][];
  findings: Finding[];
  usage: GuardrailUsage;
  coverage: { textCharacters: { guarded: number; total: number } };
}

export interface PlanOptions extends EvaluateOptions {
  mode: 'enforce' | 'shadow';
  blockedMessage: string;
}

class BudgetExceeded extends Error {}
type WordPolicy = NonNullable<GuardrailAssessment['wordPolicy']>;
type SensitivePolicy = NonNullable<GuardrailAssessment['sensitiveInformationPolicy']>;

/** Classifier probability -> Bedrock confidence. 0.5 is the classifiers' decision point. */
export function confidenceOf(score: number): Confidence {
  if (score >= 0.9) return 'HIGH';
  if (score >= 0.7) return 'MEDIUM';
  if (score >= 0.5) return 'LOW';
  return 'NONE';
}

function units(texts: readonly string[]): number {
  let u = 0;
  for (const t of texts) u += Math.ceil(t.length / 1000);
  return u;
}

// A custom-word hit whose text differs from every configured word (the detector normalised it) blocks.
const WORD_FALLBACK = { INPUT: { enabled: true, action: 'BLOCK' }, OUTPUT: { enabled: true, action: 'BLOCK' } } as const;

/** The plan reduced to the checks that need a whole answer. */
function wholeOnly(plan: Plan): Plan {
  return { ...plan, content: [], topics: [], words: undefined, pii: undefined, regexes: [], grounding: [], secrets: undefined, invisibleText: undefined, promptLeak: undefined, outputHandling: undefined };
}

export function evaluatePlan(plan: Plan, texts: readonly string[], source: TextSource, opts: PlanOptions): Evaluation {
  const started = performance.now();
  let blocked = false;
  const masks: MaskSpan[][] = [];
  for (let i = 0; i < texts.length; i++) masks.push([]);
  const findings: Finding[] = [];
  const assessment: GuardrailAssessment = {};
  const rampart: RampartPolicyFinding[] = [];
  const errors: Array<{ detector: DetectorId; onError: 'block' | 'allow'; reason: string }> = [];
  const output = source === 'OUTPUT';
  const scope = opts.scope ?? 'all';
  if (scope === 'whole') plan = wholeOnly(plan);

  /** Records a failed detector call under the fail-closed rule. */
  const fail = (id: DetectorId, err: unknown): undefined => {
    const onError = plan.onError(id);
    // The message may quote the scanned text, so only the kind of failure is kept.
    errors.push({ detector: id, onError, reason: err instanceof BudgetExceeded ? 'time budget exceeded' : 'detector error' });
    if (onError === 'block') blocked = true;
    return undefined;
  };
  /** Runs one detector call under the fail-closed rule; undefined when it failed. */
  const guarded = <T>(id: DetectorId, fn: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      const r = fn();
      if (performance.now() - t0 > plan.budgetMs) throw new BudgetExceeded();
      return r;
    } catch (err) {
      return fail(id, err);
    }
  };
  /** guarded() for a detector's scan of one text, without a closure per text. */
  const guardedScan = (id: DetectorId, detector: Detector, t: string): Finding[] | undefined => {
    const t0 = performance.now();
    try {
      const r = detector.scan(t, source);
      if (performance.now() - t0 > plan.budgetMs) throw new BudgetExceeded();
      return r;
    } catch (err) {
      return fail(id, err);
    }
  };
  const sensitive = (action: SensitiveAction, i: number, span: MaskSpan): PolicyAction => {
    if (action === 'BLOCK') {
      blocked = true;
      return 'BLOCKED';
    }
    if (action === 'ANONYMIZE') {
      masks[i].push(span);
      return 'ANONYMIZED';
    }
    return 'NONE';
  };

  // Content filters: each classifier scores each text once, however many filters it serves. Text
  // by text, all classifiers in a row: they share the text's tokenisation and cue scan, which are
  // cached for the last few texts only, so a conversation is not tokenised once per classifier.
  const content = plan.content.filter((c) => c.dir[source].enabled);
  if (content.length > 0) {
    // One scorer per classifier, holding its highest score over the texts and the time it took; a classifier that
    // fails on one text (or overruns its budget) has no score.
    const scorers = new Map<string, { classifier: Plan['content'][number]['classifier']; skip: readonly boolean[] | undefined; best: number; spent: number; failed: boolean }>();
    for (const c of content) {
      if (scorers.has(c.classifier.name)) continue;
      // The prompt-attack classifier serves PROMPT_ATTACK alone (compile.ts), so its texts can be narrowed.
      const skip = c.type === 'PROMPT_ATTACK' && plan.promptAttackScope === 'user' ? opts.trusted : undefined;
      scorers.set(c.classifier.name, { classifier: c.classifier, skip, best: 0, spent: 0, failed: false });
    }
    for (let j = 0; j < texts.length; j++) {
      const text = texts[j];
      if (!text) continue;
      for (const x of scorers.values()) {
        if (x.skip?.[j] === true || x.failed) continue;
        const t0 = performance.now();
        const score = guarded('content', () => {
          const s = x.classifier.score(text);
          // A score that is not a number is a failure too (fail closed), not a silent "no finding".
          if (!Number.isFinite(s)) throw new Error('classifier returned no score');
          return s;
        });
        // A failed classifier has no score; onError already decided whether that blocks.
        if (score === undefined) {
          x.failed = true;
          continue;
        }
        if (score > x.best) x.best = score;
        // The time budget is per classifier over all texts of the call, as when each scored its texts in one go.
        x.spent += performance.now() - t0;
        if (x.spent > plan.budgetMs) {
          fail('content', new BudgetExceeded());
          x.failed = true;
        }
      }
    }
    const filters = [];
    for (const c of content) {
      const scorer = scorers.get(c.classifier.name)!;
      if (scorer.failed) continue;
      const score = scorer.best;
      const confidence = c.classifier.confidence ? c.classifier.confidence(score) : confidenceOf(score);
      if (confidence === 'NONE') continue;
      const strength: Strength = c.strength[source];
      const detected = strengthBlocks(strength, confidence);
      const act = detected && c.dir[source].action === 'BLOCK';
      if (act) blocked = true;
      findings.push({ detector: c.classifier.name, type: c.type, confidence, score });
      filters.push({ type: c.type, confidence, filterStrength: strength, action: act ? 'BLOCKED' : 'NONE', detected } as const);
    }
    assessment.contentPolicy = { filters };
  }

  const topics = plan.topics.filter((t) => t.dir[source].enabled);
  if (topics.length > 0) {
    const out = [];
    for (const t of topics) {
      let detected = false;
      let score = 0;
      guarded('topics', () => {
        for (const x of texts) {
          const s = t.matcher.score(x);
          score = Math.max(score, s.score);
          detected ||= s.detected;
        }
      });
      if (!detected) continue;
      const act = t.dir[source].action === 'BLOCK';
      if (act) blocked = true;
      findings.push({ detector: 'topics', type: t.name, confidence: score >= 0.75 ? 'HIGH' : 'MEDIUM', score });
      out.push({ name: t.name, type: 'DENY', action: act ? 'BLOCKED' : 'NONE', detected: true } as const);
    }
    assessment.topicPolicy = { topics: out };
  }

  if (plan.words) {
    const w = plan.words;
    const customWords: WordPolicy['customWords'] = [];
    const managedWordLists: WordPolicy['managedWordLists'] = [];
    for (const t of texts) {
      if (!t) continue;
      for (const f of guardedScan('words', w.detector, t) ?? []) {
        // Word detectors may report the configured word as `match` (e.g. for obfuscated hits without offsets).
        const configured = 'match' in f && typeof f.match === 'string' ? f.match : undefined;
        const match = f.start !== undefined && f.end !== undefined ? t.slice(f.start, f.end) : configured ?? '';
        const dir = f.type === 'PROFANITY' ? w.managed : w.custom.get((configured ?? match).toLowerCase()) ?? WORD_FALLBACK;
        if (!dir || !dir[source].enabled) continue;
        const act = dir[source].action === 'BLOCK';
        if (act) blocked = true;
        findings.push(f);
        if (f.type === 'PROFANITY') managedWordLists.push({ match, type: 'PROFANITY', action: act ? 'BLOCKED' : 'NONE', detected: true });
        else customWords.push({ match, action: act ? 'BLOCKED' : 'NONE', detected: true });
      }
    }
    assessment.wordPolicy = { customWords, managedWordLists };
  }

  if (plan.pii || plan.regexes.length > 0) {
    const piiEntities: SensitivePolicy['piiEntities'] = [];
    const regexes: SensitivePolicy['regexes'] = [];
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i];
      if (!t) continue;
      if (plan.pii) {
        const p = plan.pii;
        for (const f of guardedScan('pii', p.detector, t) ?? []) {
          const dir = p.entities.get(f.type)?.[source];
          if (!dir?.enabled || f.start === undefined || f.end === undefined) continue;
          if (CONFIDENCE_RANK[f.confidence] < CONFIDENCE_RANK[plan.piiMinConfidence]) continue;
          findings.push(f);
          const action = sensitive(dir.action, i, { start: f.start, end: f.end, type: f.type });
          piiEntities.push({ match: t.slice(f.start, f.end), type: f.type, action, detected: true });
        }
      }
      for (const r of plan.regexes) {
        const dir = r.dir[source];
        if (!dir.enabled) continue;
        guarded('regexes', () => {
          const m = r.re.matcher(t);
          while (m.find()) {
            const start = m.start();
            const end = m.end();
            if (end === start) continue;
            findings.push({ detector: 'regexes', type: r.name, start, end, confidence: 'HIGH' });
            const action = sensitive(dir.action, i, { start, end, type: r.name });
            regexes.push({ name: r.name, match: t.slice(start, end), regex: r.pattern, action, detected: true });
          }
        });
      }
    }
    assessment.sensitiveInformationPolicy = { piiEntities, regexes };
  }

  // Rampart's own policies. Matches of secrets are never echoed, not even to the caller.
  const own = (id: DetectorId, spec: { detector: Detector; action: 'BLOCK' | 'ANONYMIZE' }, remove: boolean) => {
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i];
      if (!t) continue;
      for (const f of guardedScan(id, spec.detector, t) ?? []) {
        findings.push(f);
        const hasSpan = f.start !== undefined && f.end !== undefined;
        const act = spec.action === 'ANONYMIZE' && hasSpan ? 'ANONYMIZE' : 'BLOCK';
        const span: MaskSpan = { start: f.start ?? 0, end: f.end ?? 0, type: f.type, ...(remove ? { replacement: '' } : {}) };
        rampart.push({ detector: id, type: f.type, confidence: f.confidence, action: sensitive(act, i, span), detected: true });
      }
    }
  };
  if (plan.secrets) own('secrets', plan.secrets, false);
  if (plan.invisibleText) own('invisibleText', plan.invisibleText, true);
  if (output && plan.outputHandling) own('outputHandling', { detector: plan.outputHandling.detector, action: 'BLOCK' }, false);
  if (output && plan.jsonSchema && scope !== 'window') own('outputHandling', { detector: plan.jsonSchema.detector, action: 'BLOCK' }, false);
  if (output && plan.promptLeak && (opts.canary || opts.systemPrompt?.length)) {
    const leak = plan.promptLeak;
    guarded('promptLeak', () => {
      const all = texts.join('\n');
      const leaked = (type: string, score: number) => {
        blocked = true;
        findings.push({ detector: 'promptLeak', type, confidence: 'HIGH', score });
        rampart.push({ detector: 'promptLeak', type, confidence: 'HIGH', action: 'BLOCKED', detected: true });
      };
      if (opts.canary && all.includes(opts.canary)) leaked('CANARY', 1);
      else if (opts.systemPrompt?.length) {
        const overlap = systemPromptOverlap(all, opts.systemPrompt);
        if (overlap >= leak.overlapThreshold) leaked('SYSTEM_PROMPT_OVERLAP', overlap);
      }
    });
  }

  let groundingUnits = 0;
  if (output && plan.grounding.length > 0 && opts.groundingSources?.length) {
    const answer = texts.join('\n');
    groundingUnits = units([answer]);
    const filters = [];
    for (const g of plan.grounding) {
      if (g.type === 'RELEVANCE' && opts.query === undefined) continue;
      const score = guarded('grounding', () =>
        g.type === 'GROUNDING' ? groundingScore(answer, opts.groundingSources!) : relevanceScore(answer, opts.query!),
      );
      if (score === undefined) continue;
      const detected = score < g.threshold;
      const act = detected && g.action === 'BLOCK';
      if (act) blocked = true;
      if (detected) findings.push({ detector: 'grounding', type: g.type, confidence: 'HIGH', score });
      filters.push({ type: g.type, threshold: g.threshold, score, action: act ? 'BLOCKED' : 'NONE', detected } as const);
    }
    assessment.contextualGroundingPolicy = { filters };
  }

  if (rampart.length > 0 || errors.length > 0) assessment.rampartPolicy = { findings: rampart, errors, mode: opts.mode };

  // The spans are this evaluation's own objects: merged in place, not copied.
  const merged = masks;
  let anonymized = false;
  for (const m of merged) {
    mergeOwnSpans(m);
    if (m.length > 0) anonymized = true;
  }
  const outcome = blocked ? 'BLOCKED' : anonymized ? 'ANONYMIZED' : 'NONE';
  const enforce = opts.mode === 'enforce';
  const intervened = enforce && outcome !== 'NONE';
  const vault = source === 'INPUT' && plan.reversible ? opts.vault : undefined;
  const outputs =
    !enforce || outcome === 'NONE'
      ? [...texts]
      : outcome === 'BLOCKED'
        ? [opts.blockedMessage]
        : texts.map((t, i) => applyMasks(t, merged[i], vault));

  const u = units(texts);
  const hasPii = !!plan.pii;
  const usage: GuardrailUsage = {
    topicPolicyUnits: topics.length > 0 ? u : 0,
    contentPolicyUnits: content.length > 0 ? u : 0,
    wordPolicyUnits: plan.words ? u : 0,
    sensitiveInformationPolicyUnits: hasPii ? u : 0,
    // Bedrock does not charge for regex-only sensitive-information policies.
    sensitiveInformationPolicyFreeUnits: !hasPii && plan.regexes.length > 0 ? u : 0,
    contextualGroundingPolicyUnits: groundingUnits,
  };
  let total = 0;
  for (const t of texts) total += t.length;
  const coverage = { textCharacters: { guarded: total, total } };
  assessment.invocationMetrics = {
    guardrailProcessingLatency: Math.round(performance.now() - started),
    usage,
    guardrailCoverage: coverage,
  };

  const failed = errors.some((e) => e.onError === 'block');
  const actionReason = !enforce
    ? outcome === 'NONE' ? 'No action.' : `Shadow mode: guardrail would have ${outcome === 'BLOCKED' ? 'blocked' : 'masked'}.`
    : outcome === 'BLOCKED'
      ? failed ? 'Guardrail blocked: a detector failed (fail closed).' : 'Guardrail blocked.'
      : outcome === 'ANONYMIZED' ? 'Guardrail masked.' : 'No action.';

  return {
    action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
    outcome,
    mode: opts.mode,
    actionReason,
    assessment,
    outputs,
    masks: merged,
    findings,
    usage,
    coverage,
  };
}
