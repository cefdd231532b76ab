/**
 * A small Prometheus client: counters, gauges and histograms with labels, rendered in the text
 * exposition format (0.0.4). It replaces prom-client, which cost ~3 MB resident at idle, a native
 * event-loop histogram and a GC observer, and built a sorted label string on every increment.
 *
 * Series are keyed by their label values in declaration order, so an update is one Map lookup.
 * Label values must come from bounded sets (config names, fixed enums): nothing here limits
 * cardinality.
 */

type LabelValues<L extends string> = Partial<Record<L, string | number>>;

interface MetricOptions<L extends string, Self = unknown> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Registries to add the metric to. */
  registers?: Registry[];
  /** Sets the metric's values at scrape time (`this` is the metric). */
  collect?: (this: Self) => void | Promise<void>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Metric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: string; state: S }>();
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(opts: MetricOptions<L, never>) {
    if (!NAME.test(opts.name)) throw new Error(`invalid metric name: ${opts.name}`);
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = opts.labelNames ?? [];
    this.collector = opts.collect as ((this: unknown) => void | Promise<void>) | undefined;
    for (const r of opts.registers ?? []) r.register(this);
  }
  private readonly collector?: (this: unknown) => void | Promise<void>;

  /** The series for these label values, created on first use. */
  protected at(labels: LabelValues<L> | undefined, init: () => S): S {
    let key = '';
    for (const n of this.labelNames) key += `${labels?.[n] ?? ''}\u0001`;
    let s = this.series.get(key);
    if (!s) {
      const parts: string[] = [];
      for (const n of this.labelNames) {
        const v = labels?.[n];
        if (v !== undefined) parts.push(`${n}="${escapeLabel(String(v))}"`);
      }
      s = { labels: parts.join(','), state: init() };
      this.series.set(key, s);
    }
    return s.state;
  }

  /** Called at scrape time, before rendering. */
  async collect(): Promise<void> {
    await this.collector?.call(this);
  }

  protected abstract lines(out: string[]): void;

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    this.lines(out);
  }

  reset(): void {
    this.series.clear();
  }
}

const braces = (labels: string) => (labels ? `{${labels}}` : '');

export class Counter<L extends string = string> extends Metric<L, { v: number }> {
  readonly type = 'counter';
  constructor(opts: MetricOptions<L, Counter<L>>) {
    super(opts as MetricOptions<L, never>);
  }
  inc(labels?: LabelValues<L> | number, value = 1): void {
    if (typeof labels === 'number') [labels, value] = [undefined, labels];
    if (!(value >= 0)) throw new Error(`${this.name}: a counter only goes up (got ${value})`);
    this.at(labels, () => ({ v: 0 })).v += value;
  }
  protected lines(out: string[]): void {
    for (const { labels, state } of this.series.values()) out.push(`${this.name}${braces(labels)} ${formatValue(state.v)}`);
  }
}

export class Gauge<L extends string = string> extends Metric<L, { v: number }> {
  readonly type = 'gauge';
  constructor(opts: MetricOptions<L, Gauge<L>>) {
    super(opts as MetricOptions<L, never>);
  }
  set(labels: LabelValues<L> | number, value?: number): void {
    if (typeof labels === 'number') this.at(undefined, () => ({ v: 0 })).v = labels;
    else this.at(labels, () => ({ v: 0 })).v = value ?? 0;
  }
  protected lines(out: string[]): void {
    for (const { labels, state } of this.series.values()) out.push(`${this.name}${braces(labels)} ${formatValue(state.v)}`);
  }
}

interface HistogramOptions<L extends string> extends MetricOptions<L, Histogram<L>> {
  buckets: readonly number[];
}

export class Histogram<L extends string = string> extends Metric<L, { counts: Float64Array; sum: number; count: number }> {
  readonly type = 'histogram';
  private readonly buckets: readonly number[];
  constructor(opts: HistogramOptions<L>) {
    super(opts as MetricOptions<L, never>);
    this.buckets = [...opts.buckets].sort((a, b) => a - b);
  }
  observe(labels: LabelValues<L>, value: number): void {
    const s = this.at(labels, () => ({ counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    // Counts are per bucket here and made cumulative when rendered.
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    if (i < this.buckets.length) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  protected lines(out: string[]): void {
    for (const { labels, state } of this.series.values()) {
      const rest = labels ? `,${labels}` : '';
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += state.counts[i];
        out.push(`${this.name}_bucket{le="${formatValue(le)}"${rest}} ${cumulative}`);
      });
      out.push(`${this.name}_bucket{le="+Inf"${rest}} ${state.count}`);
      out.push(`${this.name}_sum${braces(labels)} ${formatValue(state.sum)}`, `${this.name}_count${braces(labels)} ${state.count}`);
    }
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class Registry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly metricsByName = new Map<string, AnyMetric>();

  register(m: Metric<string, unknown>): void {
    if (this.metricsByName.has(m.name)) throw new Error(`metric ${m.name} is already registered`);
    this.metricsByName.set(m.name, m as AnyMetric);
  }

  /** The exposition text: every metric, after its collector ran. */
  async metrics(): Promise<string> {
    const all = [...this.metricsByName.values()];
    await Promise.all(all.map((m) => m.collect()));
    const out: string[] = [];
    for (const m of all) m.render(out);
    return `${out.join('\n')}\n`;
  }
}

/**
 * Process figures read at scrape time (nothing runs between scrapes): CPU, resident memory, V8 heap,
 * open file descriptors, start time, and event-loop lag measured by one setImmediate round trip.
 */
export function registerProcessMetrics(registry: Registry, prefix: string): void {
  const g = (name: string, help: string, read: () => number | Promise<number>) =>
    new Gauge({ name: `${prefix}${name}`, help, registers: [registry], async collect() { this.set(await read()); } });
  const started = Date.now() / 1000 - process.uptime();
  new Counter({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'User and system CPU time spent, seconds.',
    registers: [registry],
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  g('process_resident_memory_bytes', 'Resident memory size, bytes.', () => process.memoryUsage.rss());
  g('process_start_time_seconds', 'Start time of the process since the Unix epoch, seconds.', () => started);
  g('nodejs_heap_size_used_bytes', 'V8 heap in use, bytes.', () => process.memoryUsage().heapUsed);
  g('nodejs_heap_size_total_bytes', 'V8 heap reserved, bytes.', () => process.memoryUsage().heapTotal);
  g('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, bytes.', () => process.memoryUsage().external);
  g('nodejs_eventloop_lag_seconds', 'Event-loop lag seen at scrape time, seconds.', () => {
    const t0 = process.hrtime.bigint();
    return new Promise<number>((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - t0) / 1e9)));
  });
}
