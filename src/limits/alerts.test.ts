import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlertSink } from './alerts.js';
import { AlertsSchema, LimitsSchema } from './schema.js';

describe('budget alerts', () => {
  it('logs and posts to the configured webhook', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let s = '';
      req.on('data', (c: Buffer) => { s += c.toString(); });
      req.on('end', () => { bodies.push(JSON.parse(s)); res.end('ok'); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logged: object[] = [];
    const sink = createAlertSink(AlertsSchema.parse({ webhook: { url: `http://${host}/hook`, allowHosts: [host] } }), { warn: (o) => logged.push(o) });
    sink({ ruleId: 'b', subject: 'team=x', period: 'day', threshold: 0.8, usedUsd: 8, limitUsd: 10 });
    for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    server.close();
    assert.deepEqual(bodies, [{ type: 'rampart.budget_alert', ruleId: 'b', subject: 'team=x', period: 'day', threshold: 0.8, usedUsd: 8, limitUsd: 10 }]);
    assert.equal((logged[0] as { event: string }).event, 'budget_alert');
  });

  it('refuses a webhook whose host is not explicitly allowed', () => {
    const r = AlertsSchema.safeParse({ webhook: { url: 'https://evil.example.net/x', allowHosts: ['hooks.example.com'] } });
    assert.equal(r.success, false);
  });

  it('rejects rules without any limit and duplicate rule ids at config load', () => {
    assert.equal(LimitsSchema.safeParse({ rules: [{ id: 'x', on: 'key' }] }).success, false);
    assert.equal(LimitsSchema.safeParse({ rules: [{ id: 'x', on: 'key', rpm: 1 }, { id: 'x', on: 'team', rpm: 1 }] }).success, false);
    assert.equal(LimitsSchema.safeParse({ store: { kind: 'redis', url: 'http://nope' } }).success, false);
    const ok = LimitsSchema.parse({ store: { kind: 'redis', url: 'redis://127.0.0.1:6379' } });
    assert.equal(ok.store.kind === 'redis' && ok.store.onUnavailable, 'fail-closed');
  });
});
