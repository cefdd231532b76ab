/** Stores an assessment for trending, and attaches a model assessment to the model's open approval request. */
import type { Store } from '../../store/types.js';
import type { Catalog } from '../catalog.js';
import type { Actor } from '../types.js';
import type { AuditFn } from '../audit.js';
import type { AssessmentResult } from './types.js';

export async function saveAssessment(
  store: Store,
  result: AssessmentResult,
  opts: { actor: Actor; audit: AuditFn; catalog?: Catalog },
): Promise<{ attachedTo?: string }> {
  await store.governance.insertAssessment({
    id: result.id,
    time: new Date(result.time),
    application: result.application,
    model: result.target === 'model' ? result.model : undefined,
    body: JSON.stringify(result),
  });
  await opts.audit({
    eventName: 'RunAssessment', actor: opts.actor, outcome: 'success',
    resource: result.target === 'model' ? { type: 'Model', id: result.model } : { type: 'Application', id: result.application ?? '' },
    details: { assessment: result.id, summary: result.summary },
  });
  if (result.target !== 'model' || !opts.catalog) return {};
  const open = await opts.catalog.listApprovals({ model: result.model, status: 'pending' });
  if (open.length === 0) return {};
  await opts.catalog.attachAssessment(opts.actor, open[0].id, result.id);
  return { attachedTo: open[0].id };
}
