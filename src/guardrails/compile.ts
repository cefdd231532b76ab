import type { RE2JS } from 're2js';
import { re2 } from './re2.js';
import type { Classifier, Confidence, Detector, Strength, TextSource } from './types.js';
import {
  GuardrailConfigError,
  parseGuardrailDefinition,
  type ContentFilterType,
  type DetectorId,
  type GuardrailDefinition,
  type PiiEntityType,
} from './schema.js';
import { TopicMatcher } from './topics.js';
import { evaluatePlan, type EvaluateOptions, type Evaluation } from './engine.js';

/**
 * Compiles a validated definition once into the evaluator the hot path uses. Every detector is
 * built here, so a detector that refuses its options fails the config load with the field path,
 * never a request.
 */

export type ClassifierName = 'prompt-attack' | 'toxicity' | 'harmful-intent' | 'insults';

/** A classifier may bring its own calibrated score -> confidence mapping; the engine's default is used otherwise. */
export type KitClassifier = Classifier & { confidence?(score: number): Confidence };

/**
 * The detector factories the engine needs; the lead wires the real ones from
 * src/guardrails/detectors/. A member may be absent: a definition that needs it then fails to
 * compile (fail closed at load rather than silently unguarded).
 */
export interface DetectorKit {
  /** Findings carry a Bedrock PII `type` and `start`/`end`. */
  /** `minConfidence`: findings below it are dropped before overlapping findings are settled. */
  pii?(opts: { types: readonly PiiEntityType[]; minConfidence?: 'LOW' | 'MEDIUM' | 'HIGH' }): Detector;
  /** Findings carry the secret kind as `type` (AWS_ACCESS_KEY, ...) and `start`/`end`. */
  secrets?(): Detector;
  /** Findings carry `start`/`end` of the hidden characters (removed on ANONYMIZE). */
  invisibleText?(): Detector;
  /** Findings of managed lists have type `PROFANITY`; any other type is a custom word. */
  words?(opts: { words: readonly string[]; managedLists: readonly 'PROFANITY'[] }): Detector;
  /** Streaming-safe output checks (links, images, HTML); run on every window of a stream. */
  outputHandling?(opts: { allowedLinkDomains?: readonly string[]; blockHtml: boolean }): Detector;
  /** Whole-answer check: only run on a complete answer (a stream's window is not valid JSON). */
  jsonSchema?(opts: { schema: Record<string, unknown> }): Detector;
  classifier?(name: ClassifierName): KitClassifier;
}

/**
 * Which classifier scores which Bedrock content filter. The trained classifiers are coarser than
 * Bedrock's categories: `toxicity` covers hate and sexual content, `harmful-intent` covers
 * violence and misconduct; insults have their own.
 */
export const CONTENT_CLASSIFIER: Record<ContentFilterType, ClassifierName> = {
  PROMPT_ATTACK: 'prompt-attack',
  HATE: 'toxicity',
  INSULTS: 'insults',
  SEXUAL: 'toxicity',
  VIOLENCE: 'harmful-intent',
  MISCONDUCT: 'harmful-intent',
};

export type SensitiveAction = 'BLOCK' | 'ANONYMIZE' | 'NONE';
export interface Direction<A extends string> {
  enabled: boolean;
  action: A;
}
type BothWays<A extends string> = Record<TextSource, Direction<A>>;

export interface Plan {
  content: Array<{ type: ContentFilterType; classifier: KitClassifier; strength: Record<TextSource, Strength>; dir: BothWays<'BLOCK' | 'NONE'> }>;
  topics: Array<{ name: string; matcher: TopicMatcher; dir: BothWays<'BLOCK' | 'NONE'> }>;
  words?: { detector: Detector; custom: Map<string, BothWays<'BLOCK' | 'NONE'>>; managed?: BothWays<'BLOCK' | 'NONE'> };
  pii?: { detector: Detector; entities: Map<string, BothWays<SensitiveAction>> };
  regexes: Array<{ name: string; pattern: string; re: RE2JS; dir: BothWays<SensitiveAction> }>;
  grounding: Array<{ type: 'GROUNDING' | 'RELEVANCE'; threshold: number; action: 'BLOCK' | 'NONE' }>;
  secrets?: { detector: Detector; action: 'BLOCK' | 'ANONYMIZE' };
  invisibleText?: { detector: Detector; action: 'BLOCK' | 'ANONYMIZE' };
  promptLeak?: { canary: boolean; overlapThreshold: number };
  outputHandling?: { detector: Detector };
  jsonSchema?: { detector: Detector };
  onError: (d: DetectorId) => 'block' | 'allow';
  budgetMs: number;
  reversible: boolean;
  /** PROMPT_ATTACK skips texts the caller marks trusted (EvaluateOptions.trusted) unless 'all'. */
  promptAttackScope: 'user' | 'all';
  /** PII findings below this confidence are neither reported nor acted on (rampart.pii.minConfidence). */
  piiMinConfidence: 'LOW' | 'MEDIUM' | 'HIGH';
}

export interface CompiledGuardrail {
  readonly id: string;
  readonly version: string;
  readonly definition: GuardrailDefinition;
  readonly mode: 'enforce' | 'shadow';
  readonly blockedInputMessaging: string;
  readonly blockedOutputsMessaging: string;
  readonly streaming: { mode: 'sync' | 'async'; windowChars: number };
  /** Input ANONYMIZE uses per-request numbered placeholders that are restored in the answer. */
  readonly reversible: boolean;
  /** guardInput plants a canary in the system prompt; guardOutput blocks answers containing it. */
  readonly canary: boolean;
  /** Has checks that need the whole answer (JSON schema); streams run them when a text block ends. */
  readonly wholeOutputChecks: boolean;
  evaluate(texts: readonly string[], source: TextSource, opts?: EvaluateOptions): Evaluation;
}

function both<A extends string>(
  e: { inputEnabled?: boolean; outputEnabled?: boolean; inputAction?: A; outputAction?: A },
  fallback: A,
): BothWays<A> {
  return {
    INPUT: { enabled: e.inputEnabled ?? true, action: e.inputAction ?? fallback },
    OUTPUT: { enabled: e.outputEnabled ?? true, action: e.outputAction ?? fallback },
  };
}

function build<T>(path: string, make: (() => T) | undefined, what: string): T {
  if (!make) throw new GuardrailConfigError([{ path, message: `no ${what} detector is installed` }]);
  try {
    return make();
  } catch (err) {
    if (err instanceof GuardrailConfigError) throw err;
    throw new GuardrailConfigError([{ path, message: `${what} detector refused its options: ${(err as Error).message}` }]);
  }
}

export function buildPlan(def: GuardrailDefinition, kit: DetectorKit): Plan {
  const r = def.rampart;
  const classifiers = new Map<ClassifierName, KitClassifier>();
  const content: Plan['content'] = (def.contentPolicyConfig?.filtersConfig ?? []).map((f, i) => {
    const name = CONTENT_CLASSIFIER[f.type];
    let classifier = classifiers.get(name);
    if (!classifier) {
      classifier = build(`contentPolicyConfig.filtersConfig[${i}].type`, kit.classifier && (() => kit.classifier!(name)), `${name} classifier`);
      classifiers.set(name, classifier);
    }
    const dir = both(f, 'BLOCK');
    // A NONE strength turns the direction off, as in Bedrock.
    if (f.inputStrength === 'NONE') dir.INPUT.enabled = false;
    if (f.outputStrength === 'NONE') dir.OUTPUT.enabled = false;
    return { type: f.type, classifier, strength: { INPUT: f.inputStrength, OUTPUT: f.outputStrength }, dir };
  });

  const topics: Plan['topics'] = (def.topicPolicyConfig?.topicsConfig ?? []).map((t) => ({
    name: t.name,
    matcher: new TopicMatcher(t),
    dir: both(t, 'BLOCK'),
  }));

  let words: Plan['words'];
  const wp = def.wordPolicyConfig;
  if (wp && ((wp.wordsConfig?.length ?? 0) > 0 || (wp.managedWordListsConfig?.length ?? 0) > 0)) {
    const list = (wp.wordsConfig ?? []).map((w) => w.text);
    const managedLists = (wp.managedWordListsConfig ?? []).map((m) => m.type);
    const detector = build('wordPolicyConfig', kit.words && (() => kit.words!({ words: list, managedLists })), 'word filter');
    const custom = new Map((wp.wordsConfig ?? []).map((w) => [w.text.toLowerCase(), both(w, 'BLOCK')] as const));
    const m = wp.managedWordListsConfig?.[0];
    words = { detector, custom, managed: m ? both(m, 'BLOCK') : undefined };
  }

  let pii: Plan['pii'];
  const piiMinConfidence = r.pii?.minConfidence ?? 'MEDIUM';
  const sip = def.sensitiveInformationPolicyConfig;
  if (sip?.piiEntitiesConfig?.length) {
    const types = sip.piiEntitiesConfig.map((e) => e.type);
    const detector = build('sensitiveInformationPolicyConfig.piiEntitiesConfig', kit.pii && (() => kit.pii!({ types, minConfidence: piiMinConfidence })), 'PII');
    pii = { detector, entities: new Map(sip.piiEntitiesConfig.map((e) => [e.type, both(e, e.action)] as const)) };
  }
  const regexes: Plan['regexes'] = (sip?.regexesConfig ?? []).map((x) => ({
    name: x.name,
    pattern: x.pattern,
    re: re2().compile(x.pattern),
    dir: both(x, x.action),
  }));

  const grounding: Plan['grounding'] = (def.contextualGroundingPolicyConfig?.filtersConfig ?? [])
    .filter((g) => g.enabled !== false)
    .map((g) => ({ type: g.type, threshold: g.threshold, action: g.action ?? 'BLOCK' }));

  const secrets = r.secrets?.enabled
    ? { detector: build('rampart.secrets', kit.secrets && (() => kit.secrets!()), 'secrets'), action: r.secrets.action }
    : undefined;
  const invisibleText = r.invisibleText?.enabled
    ? { detector: build('rampart.invisibleText', kit.invisibleText && (() => kit.invisibleText!()), 'invisible text'), action: r.invisibleText.action }
    : undefined;
  const oh = r.outputHandling;
  const outputHandling = oh
    ? {
        detector: build(
          'rampart.outputHandling',
          kit.outputHandling && (() => kit.outputHandling!({ allowedLinkDomains: oh.allowedLinkDomains, blockHtml: oh.blockHtml })),
          'output handling',
        ),
      }
    : undefined;
  const schema = oh?.jsonSchema;
  const jsonSchema = schema
    ? { detector: build('rampart.outputHandling.jsonSchema', kit.jsonSchema && (() => kit.jsonSchema!({ schema })), 'JSON schema') }
    : undefined;

  const onErr = r.onError;
  const onError = typeof onErr === 'string' ? () => onErr : (d: DetectorId) => onErr[d] ?? onErr.default ?? 'block';

  return {
    content,
    topics,
    words,
    pii,
    regexes,
    grounding,
    secrets,
    invisibleText,
    promptLeak: r.promptLeak,
    outputHandling,
    jsonSchema,
    onError,
    budgetMs: r.detectorBudgetMs,
    reversible: r.anonymization?.reversible ?? false,
    promptAttackScope: r.promptAttack?.scope ?? 'user',
    piiMinConfidence,
  };
}

export interface CompileOptions {
  id: string;
  version: string;
  kit: DetectorKit;
}

export function compileGuardrail(def: GuardrailDefinition, opts: CompileOptions): CompiledGuardrail {
  const plan = buildPlan(def, opts.kit);
  const r = def.rampart;
  return {
    id: opts.id,
    version: opts.version,
    definition: def,
    mode: r.mode,
    blockedInputMessaging: def.blockedInputMessaging,
    blockedOutputsMessaging: def.blockedOutputsMessaging,
    streaming: { mode: r.streaming?.mode ?? 'sync', windowChars: r.streaming?.windowChars ?? 256 },
    reversible: plan.reversible,
    canary: r.promptLeak?.canary ?? false,
    wholeOutputChecks: !!plan.jsonSchema,
    evaluate: (texts, source, evalOpts) =>
      evaluatePlan(plan, texts, source, {
        mode: r.mode,
        blockedMessage: source === 'INPUT' ? def.blockedInputMessaging : def.blockedOutputsMessaging,
        ...evalOpts,
      }),
  };
}

/** Parse + compile: raw JSON/YAML object in, evaluator out; GuardrailConfigError with paths otherwise. */
export function loadGuardrail(raw: unknown, opts: CompileOptions & { basePath?: string }): CompiledGuardrail {
  const def = parseGuardrailDefinition(raw, opts.basePath);
  try {
    return compileGuardrail(def, opts);
  } catch (err) {
    const base = opts.basePath;
    if (!(err instanceof GuardrailConfigError) || !base) throw err;
    throw new GuardrailConfigError(err.issues.map((i) => ({ ...i, path: i.path ? `${base}.${i.path}` : base })));
  }
}
