/**
 * bench/overhead: one run, three targets, same 4 KB prompt, same load:
 *   (a) the local upstream directly, (b) a bare undici pass-through, (c) Rampart with its whole
 *   pipeline and no guardrail, (c0) the same with metadata-only invocation records (the core's
 *   "structured request log"), (d) Rampart with the built-in default guardrail; (c) and (d) also streaming.
 * Prints req/s, p50/p99 latency and the gateway process's CPU ms per request (from /proc), with the share of
 * its event-loop (main) thread: with ten connections that thread is the bottleneck, and the p99 follows its CPU per
 * request rather than the process's (the store worker runs on the other core). Also idle RSS (one second after
 * start) and RSS after the load. Then the same with one connection, where
 * latency is what a target adds to a request rather than queueing behind the others. Usage: npm run build && node dist/bench/overhead/run.js  [BENCH_SECONDS=10 BENCH_CONNECTIONS=10 BENCH_ROUNDS=3 BENCH_TOOL=autocannon|wrk]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number; errors: number; timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = resolve(process.cwd());
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
/** Rounds of the ten-connection measurements; the table shows each target's median over them. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/**
 * The load generator: autocannon (default, from npm) or wrk (BENCH_TOOL=wrk; Debian's `wrk`
 * package). autocannon is JavaScript and takes about a core of its own at these rates, so on two
 * cores it competes with the upstream and the gateway, and its percentiles are whole milliseconds;
 * wrk needs a fraction of that CPU and reports microseconds.
 */
const tool = process.env.BENCH_TOOL === 'wrk' ? 'wrk' : 'autocannon';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function prompt4k(): string {
  const para = 'The quarterly report shows revenue growth in the northern region, driven by new enterprise contracts and renewals. ';
  let s = '';
  while (s.length < 4096) s += para;
  return s.slice(0, 4096);
}

function startNode(script: string, env: Record<string, string> = {}, args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8');
    const onData = (d: string) => {
      out += d;
      const m = /(?:^|\n)(\d+)\n/.exec(out) ?? /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) { child.stdout!.off('data', onData); child.stdout!.resume(); resolveStart({ child, port: Number(m[1]) }); }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

/** CPU time of a process, or with `tid` of one of its threads (the main thread's tid is the pid). */
function cpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** RSS of each gateway process one second after start, before any request. */
const idleRss = new Map<number, number>();
/** RSS of each gateway process after 15 s without a request (V8's memory reducer has run). */
const settledRss = new Map<number, number>();

/**
 * The environment `npm start` gives the gateway (its leading NAME=value words: the allocator and V8
 * thread-pool settings of docs/decisions.md), so the gateways here run as the quick start runs them.
 */
function startEnv(): Record<string, string> {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const env: Record<string, string> = {};
  for (const word of start.split(/\s+/)) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!m) break;
    env[m[1]] = m[2];
  }
  return env;
}

interface Row { target: string; rps: number; p50: number; p99: number; cpuMsPerReq?: number; loopCpuMsPerReq?: number; errors: number; idleRssMb?: number; settledRssMb?: number; loadedRssMb?: number }

/**
 * Closed loop: each connection sends its next request when the last answer arrived, so with 10 connections the
 * targets run flat out and latency is mostly queueing (connections / throughput); with one connection it is what
 * the target adds to a request. (autocannon's fixed-rate mode sends each tick's requests together, so its
 * latencies measure those bursts rather than the target.)
 */
async function load(name: string, url: string, body: string, headers: Record<string, string>, pid?: number, conns = connections): Promise<Row> {
  // Warm up (JIT, pools), then measure.
  const idle = pid ? idleRss.get(pid) ?? rssMb(pid) : undefined;
  const settled = pid ? settledRss.get(pid) : undefined;
  const run = tool === 'wrk' ? wrk : autocannon;
  await run({ url, method: 'POST', body, headers, connections: conns, duration: 2 });
  const before = pid ? cpuMs(pid) : 0;
  const loopBefore = pid ? cpuMs(pid, pid) : 0;
  const r = await run({ url, method: 'POST', body, headers, connections: conns, duration: seconds });
  const after = pid ? cpuMs(pid) : 0;
  const loopAfter = pid ? cpuMs(pid, pid) : 0;
  const total = r.requests.total;
  return {
    target: name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99,
    cpuMsPerReq: pid ? Math.round(((after - before) / total) * 1000) / 1000 : undefined,
    loopCpuMsPerReq: pid ? Math.round(((loopAfter - loopBefore) / total) * 1000) / 1000 : undefined,
    errors: r.non2xx + r.errors + r.timeouts, idleRssMb: idle !== undefined ? Math.round(idle) : undefined,
    settledRssMb: settled !== undefined ? Math.round(settled) : undefined,
    loadedRssMb: pid ? Math.round(rssMb(pid)) : undefined,
  };
}

const added = (p99: number, base: number): number => Math.round((p99 - base) * 100) / 100;

/**
 * The rounds of one target folded into one row: each figure is the median over the rounds (the tail at ten
 * connections moves by several milliseconds from one run to the next on this shared machine).
 */
function medianRow(runs: Row[]): Row {
  const med = (f: (r: Row) => number | undefined): number | undefined => {
    const v = runs.map(f).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length ? v[(v.length - 1) >> 1] : undefined;
  };
  return {
    ...runs[0],
    rps: med((r) => r.rps)!, p50: med((r) => r.p50)!, p99: med((r) => r.p99)!, cpuMsPerReq: med((r) => r.cpuMsPerReq),
    loopCpuMsPerReq: med((r) => r.loopCpuMsPerReq),
    errors: runs.reduce((n, r) => n + r.errors, 0), loadedRssMb: med((r) => r.loadedRssMb),
  };
}

/** One wrk run (one thread), read back into autocannon's result shape; latencies in ms. */
async function wrk(opts: { url: string; method: string; body: string; headers: Record<string, string>; connections: number; duration: number }): Promise<AutocannonResult> {
  // JSON string escapes are also Lua escapes, except \uXXXX: the bench bodies are ASCII.
  if (!/^[\x20-\x7e]*$/.test(opts.body)) throw new Error('wrk bodies must be printable ASCII');
  const dir = mkdtempSync(join(tmpdir(), 'rampart-wrk-'));
  const script = join(dir, 'post.lua');
  // The done() hook prints exact percentiles (wrk's own table rounds to two digits) and error counts.
  writeFileSync(script, [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(opts.body)}`,
    ...Object.entries(opts.headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("RESULT %d %f %f %f %f %d\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,',
    '    e.connect + e.read + e.write + e.timeout + e.status))',
    'end',
    '',
  ].join('\n'));
  const out = await new Promise<string>((resolveRun, reject) => {
    const child = spawn('wrk', ['-t1', `-c${opts.connections}`, `-d${opts.duration}s`, '-s', script, opts.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => { text += d; });
    child.once('error', reject);
    // 'close', not 'exit': stdout may still hold the RESULT line when the process exits.
    child.once('close', (code) => (code === 0 ? resolveRun(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
  const m = /RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(out);
  if (!m) throw new Error(`wrk printed no result: ${out}`);
  const [requests, micros, p50, p99, mean, errors] = m.slice(1).map(Number);
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    requests: { average: requests / (micros / 1e6), total: requests },
    latency: { p50: ms(p50), p99: ms(p99), average: ms(mean) },
    non2xx: 0, errors, timeouts: 0,
  };
}

async function main() {
  const dist = join(root, 'dist', 'bench', 'overhead');
  const procs: ChildProcess[] = [];
  /** Each gateway's store and spool: a run writes gigabytes of records, removed once the gateways have exited. */
  const dirs: string[] = [];
  try {
    const up = await startNode(join(dist, 'upstream.js'));
    procs.push(up.child);
    const upstream = `http://127.0.0.1:${up.port}`;
    const pt = await startNode(join(dist, 'passthrough.js'), { UPSTREAM: upstream });
    procs.push(pt.child);
    await new Promise((r) => setTimeout(r, 500));
    idleRss.set(pt.child.pid!, rssMb(pt.child.pid!));

    const cli = join(root, 'dist', 'src', 'cli', 'rampart.js');
    /** One gateway process per setup, each with its own store, so CPU is attributed to one setup. */
    const startGateway = async (name: string, guardrails: string, extra: string[] = []) => {
      const dir = mkdtempSync(join(tmpdir(), `rampart-bench-${name}-`));
      dirs.push(dir);
      mkdirSync(join(dir, 'data'), { recursive: true });
      const cfg = join(dir, 'rampart.yaml');
      writeFileSync(cfg, [
        'server: { host: 127.0.0.1, port: 0 }',
        `store: { kind: sqlite, path: ${join(dir, 'data', 'rampart.db')} }`,
        'log: { level: warn, requests: false }',
        'providers:',
        `  - { name: local, kind: openai, baseUrl: "${upstream}/v1", apiKey: bench }`,
        'models:',
        '  - { name: bench-model, deployments: [{ provider: local, model: bench-model }] }',
        `guardrails: { attach: { all: [${guardrails}] } }`,
        ...extra,
        '',
      ].join('\n'));
      const created = JSON.parse(execFileSync(process.execPath, [cli, 'keys', 'create', '--name', 'bench', '--roles', 'general-access', '--json', '--config', cfg], { cwd: dir }).toString()) as { key: string };
      const gw = await startNode(cli, startEnv(), ['serve', '--config', cfg]);
      procs.push(gw.child);
      await new Promise((r) => setTimeout(r, 1000));
      idleRss.set(gw.child.pid!, rssMb(gw.child.pid!));
      return { ...gw, key: created.key };
    };
    const plain = await startGateway('plain', '');
    const core = await startGateway('core', '', ['records: { content: metadata }']);
    const guarded = await startGateway('guarded', 'rampart-default');
    // Idle: no request yet; V8's memory reducer runs ~10 s after start.
    await new Promise((r) => setTimeout(r, 15_000));
    for (const p of [pt, plain, core, guarded]) settledRss.set(p.child.pid!, rssMb(p.child.pid!));

    const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: prompt4k() }] });
    const streamBody = JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: prompt4k() }] });
    const json = { 'content-type': 'application/json' };
    const auth = (k: string) => ({ ...json, authorization: `Bearer ${k}` });
    const targets: Array<[string, string, string, Record<string, string>, number | undefined]> = [
      ['(a) upstream direct', `${upstream}/v1/chat/completions`, body, json, undefined],
      ['(b) bare undici pass-through', `http://127.0.0.1:${pt.port}/v1/chat/completions`, body, json, pt.child.pid],
      ['(c) rampart, no guardrail', `http://127.0.0.1:${plain.port}/v1/chat/completions`, body, auth(plain.key), plain.child.pid],
      ['(c0) rampart, no guardrail, metadata-only records', `http://127.0.0.1:${core.port}/v1/chat/completions`, body, auth(core.key), core.child.pid],
      ['(c) rampart, no guardrail, streaming', `http://127.0.0.1:${plain.port}/v1/chat/completions`, streamBody, auth(plain.key), plain.child.pid],
      ['(d) rampart, default guardrail', `http://127.0.0.1:${guarded.port}/v1/chat/completions`, body, auth(guarded.key), guarded.child.pid],
      ['(d) rampart, default guardrail, streaming', `http://127.0.0.1:${guarded.port}/v1/chat/completions`, streamBody, auth(guarded.key), guarded.child.pid],
    ];
    // Each round measures every target once, in turn, so a slow minute on the shared machine touches every target.
    const measured: Row[][] = targets.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, [name, url, b, h, pid]] of targets.entries()) measured[i].push(await load(name, url, b, h, pid));
    }
    const rows = measured.map(medianRow);

    // The non-streaming targets again with one connection.
    const single: Row[] = [];
    for (const [name, url, b, h, pid] of targets) if (b === body) single.push(await load(name, url, b, h, pid, 1));

    const direct = rows[0];
    console.log(`\nbench/overhead: ${tool}, ${seconds}s per target, ${connections} connections, median of ${rounds} rounds, 4 KB prompt, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}\n`);
    console.log('| target | req/s | p50 ms | p99 ms | added p99 ms | gateway CPU ms/req | of it, event-loop thread | RSS 1 s after start MB | idle RSS (15 s) MB | RSS after load MB | errors |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.target} | ${r.rps} | ${r.p50} | ${r.p99} | ${r === direct ? '-' : added(r.p99, direct.p99)} | ${r.cpuMsPerReq ?? '-'} | ${r.loopCpuMsPerReq ?? '-'} | ${r.idleRssMb ?? '-'} | ${r.settledRssMb ?? '-'} | ${r.loadedRssMb ?? '-'} | ${r.errors} |`);
    }
    console.log('\nOne connection (no queueing):\n');
    console.log('| target | req/s | p50 ms | p99 ms | added p99 ms | gateway CPU ms/req | of it, event-loop thread | errors |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of single) {
      console.log(`| ${r.target} | ${r.rps} | ${r.p50} | ${r.p99} | ${r === single[0] ? '-' : added(r.p99, single[0].p99)} | ${r.cpuMsPerReq ?? '-'} | ${r.loopCpuMsPerReq ?? '-'} | ${r.errors} |`);
    }
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', tool === 'wrk' ? 'overhead-wrk.json' : 'overhead.json'), JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, tool, seconds, connections, rounds, rows, single, runs: measured }, null, 2));
  } finally {
    const exited = procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r))));
    for (const p of procs) {
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 10_000).unref();
    }
    await Promise.all(exited);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
