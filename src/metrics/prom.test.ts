import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from './prom.js';

describe('prometheus exposition', () => {
  it('renders counters, gauges and cumulative histogram buckets in the text format', async () => {
    const r = new Registry();
    const c = new Counter({ name: 'x_total', help: 'Things.\nCounted.', labelNames: ['a', 'b'], registers: [r] });
    c.inc({ a: 'one', b: 'two' });
    c.inc({ a: 'one', b: 'two' }, 2);
    c.inc({ b: 'only-b' });
    const g = new Gauge({ name: 'y', help: 'A gauge.', registers: [r] });
    g.set(-3.5);
    const h = new Histogram({ name: 'z_seconds', help: 'Times.', labelNames: ['m'], buckets: [0.1, 1], registers: [r] });
    h.observe({ m: 'a' }, 0.05);
    h.observe({ m: 'a' }, 0.5);
    h.observe({ m: 'a' }, 7);
    const text = await r.metrics();
    assert.match(text, /^# HELP x_total Things\.\\nCounted\.\n# TYPE x_total counter\n/);
    assert.match(text, /\nx_total\{a="one",b="two"\} 3\n/);
    assert.match(text, /\nx_total\{b="only-b"\} 1\n/);
    assert.match(text, /\n# TYPE y gauge\ny -3\.5\n/);
    assert.match(text, /\nz_seconds_bucket\{le="0\.1",m="a"\} 1\nz_seconds_bucket\{le="1",m="a"\} 2\nz_seconds_bucket\{le="\+Inf",m="a"\} 3\nz_seconds_sum\{m="a"\} 7\.55\nz_seconds_count\{m="a"\} 3\n/);
    assert.ok(text.endsWith('\n'));
  });

  it('escapes label values so a value cannot break the format', async () => {
    const r = new Registry();
    new Counter({ name: 'e_total', help: 'h', labelNames: ['v'], registers: [r] }).inc({ v: 'a"b\\c\nd' });
    assert.match(await r.metrics(), /e_total\{v="a\\"b\\\\c\\nd"\} 1/);
  });

  it('refuses a decreasing counter, a bad name and a duplicate registration', () => {
    const r = new Registry();
    const c = new Counter({ name: 'c_total', help: 'h', registers: [r] });
    assert.throws(() => c.inc(-1), /only goes up/);
    assert.throws(() => c.inc(Number.NaN), /only goes up/);
    assert.throws(() => new Gauge({ name: 'bad-name', help: 'h' }), /invalid metric name/);
    assert.throws(() => new Gauge({ name: 'c_total', help: 'h', registers: [r] }), /already registered/);
  });

  it('runs collectors at scrape time, including async ones', async () => {
    const r = new Registry();
    let n = 0;
    new Gauge({ name: 'scraped', help: 'h', registers: [r], collect() { this.set(++n); } });
    registerProcessMetrics(r, 'p_');
    assert.match(await r.metrics(), /\nscraped 1\n/);
    const text = await r.metrics();
    assert.match(text, /\nscraped 2\n/);
    assert.match(text, /\n# TYPE p_process_cpu_seconds_total counter\np_process_cpu_seconds_total \d/);
    assert.match(text, /\np_process_resident_memory_bytes \d+\n/);
    assert.match(text, /\np_nodejs_eventloop_lag_seconds [\d.e-]+\n/);
  });
});
