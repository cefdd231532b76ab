import { Agent, request, type Dispatcher } from '../providers/undici.js';
import type { AlertsConfig } from './schema.js';

export interface BudgetAlert {
  ruleId: string;
  /** Which subject's counter: e.g. `team=research`. */
  subject: string;
  period: 'day' | 'month';
  /** The threshold crossed, as a fraction of the budget. */
  threshold: number;
  usedUsd: number;
  limitUsd: number;
}

export interface AlertLogger {
  warn(obj: object, msg: string): void;
}

export type AlertSink = (alert: BudgetAlert) => void;

/**
 * A budget crossing a threshold: one structured log event, and a webhook POST when configured.
 * The webhook runs off the request path and a failure is only logged (an alert must never fail
 * a request). With Redis the crossing is detected inside the atomic admission, so a threshold
 * fires once across all instances.
 */
export function createAlertSink(cfg: AlertsConfig | undefined, logger: AlertLogger): AlertSink {
  const hook = cfg?.webhook;
  let dispatcher: Dispatcher | undefined;
  return (alert) => {
    logger.warn({ event: 'budget_alert', ...alert }, 'budget threshold crossed');
    if (!hook) return;
    request(hook.url, {
      dispatcher: (dispatcher ??= new Agent()),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'rampart.budget_alert', ...alert }),
      headersTimeout: hook.timeoutMs,
      bodyTimeout: hook.timeoutMs,
    })
      .then((res) => res.body.dump())
      .catch((err: unknown) => logger.warn({ event: 'budget_alert_webhook_failed', err: err instanceof Error ? err.message : String(err) }, 'alert webhook failed'));
  };
}
