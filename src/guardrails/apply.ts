import { z } from 'zod';
import { badRequest } from '../errors.js';
import type { CompiledGuardrail } from './compile.js';
import { interventionsOnly, type GuardrailAssessment, type GuardrailCoverage, type GuardrailUsage } from './assessment.js';
import { formatPath } from './schema.js';

/**
 * Bedrock's ApplyGuardrail (POST /guardrail/{id}/version/{version}/apply): decode and validate the
 * request, run the compiled guardrail, encode Bedrock's response. Pure: the route does the HTTP.
 *
 * Qualifiers follow Bedrock: `grounding_source` and `query` blocks are context for contextual
 * grounding and are not themselves guarded; every other block (unqualified or `guard_content`)
 * is guarded. outputScope INTERVENTIONS (default) lists only assessment entries that acted; FULL
 * also lists detections that did not (detect-only actions, sub-threshold content filters).
 */

export interface ApplyGuardrailRequest {
  guardrailIdentifier: string;
  guardrailVersion: string;
  source: 'INPUT' | 'OUTPUT';
  content: Array<{ text: { text: string; qualifiers?: Array<'grounding_source' | 'query' | 'guard_content'> } }>;
  outputScope: 'INTERVENTIONS' | 'FULL';
}

export interface ApplyGuardrailResponse {
  usage: GuardrailUsage;
  action: 'NONE' | 'GUARDRAIL_INTERVENED';
  actionReason: string;
  outputs: Array<{ text: string }>;
  assessments: GuardrailAssessment[];
  guardrailCoverage: GuardrailCoverage;
}

/** Largest total text accepted in one call (Bedrock's documented quota is 25 text units of 1000 chars per second). */
export const MAX_APPLY_CHARS = 100_000;

const BodySchema = z
  .object({
    source: z.enum(['INPUT', 'OUTPUT']),
    content: z
      .array(
        z
          .object({
            text: z
              .object({
                text: z.string().max(MAX_APPLY_CHARS),
                qualifiers: z.array(z.enum(['grounding_source', 'query', 'guard_content'])).max(3).optional(),
              })
              .strict()
              .optional(),
            image: z.unknown().optional(),
          })
          .strict()
          .superRefine((b, ctx) => {
            if (b.image !== undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'image content is not supported' });
            else if (!b.text) ctx.addIssue({ code: 'custom', path: ['text'], message: 'a content block needs text' });
          }),
      )
      .min(1)
      .max(1000),
    outputScope: z.enum(['INTERVENTIONS', 'FULL']).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    let total = 0;
    for (const c of b.content) total += c.text?.text.length ?? 0;
    if (total > MAX_APPLY_CHARS) ctx.addIssue({ code: 'custom', path: ['content'], message: `total text exceeds ${MAX_APPLY_CHARS} characters` });
  });

/** Validates Bedrock's ApplyGuardrail body; bad_request with the field path (`content[0].text.text`) otherwise. */
export function decodeApplyGuardrail(body: unknown, ref: { id: string; version: string }): ApplyGuardrailRequest {
  const r = BodySchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = formatPath(issue.path);
    throw badRequest(path ? `${path}: ${issue.message}` : issue.message, path || undefined);
  }
  return {
    guardrailIdentifier: ref.id,
    guardrailVersion: ref.version,
    source: r.data.source,
    content: r.data.content.map((c) => ({ text: c.text! })),
    outputScope: r.data.outputScope ?? 'INTERVENTIONS',
  };
}

export function applyGuardrail(guardrail: CompiledGuardrail, req: ApplyGuardrailRequest): ApplyGuardrailResponse {
  const guarded: string[] = [];
  const groundingSources: string[] = [];
  const queries: string[] = [];
  let total = 0;
  for (const { text } of req.content) {
    total += text.text.length;
    const q = text.qualifiers ?? [];
    if (q.includes('grounding_source')) groundingSources.push(text.text);
    if (q.includes('query')) queries.push(text.text);
    if (q.length === 0 || q.includes('guard_content')) guarded.push(text.text);
  }
  const ev = guardrail.evaluate(guarded, req.source, {
    groundingSources: groundingSources.length > 0 ? groundingSources : undefined,
    query: queries.length > 0 ? queries.join('\n') : undefined,
  });
  const coverage: GuardrailCoverage = { textCharacters: { guarded: ev.coverage.textCharacters.guarded, total } };
  const assessment: GuardrailAssessment = {
    ...(req.outputScope === 'FULL' ? ev.assessment : interventionsOnly(ev.assessment)),
    invocationMetrics: {
      guardrailProcessingLatency: ev.assessment.invocationMetrics?.guardrailProcessingLatency ?? 0,
      usage: ev.usage,
      guardrailCoverage: coverage,
    },
  };
  return {
    usage: ev.usage,
    action: ev.action,
    actionReason: ev.actionReason,
    outputs: ev.action === 'NONE' ? [] : ev.outputs.map((text) => ({ text })),
    assessments: [assessment],
    guardrailCoverage: coverage,
  };
}
