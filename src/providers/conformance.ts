/**
 * The conformance suite every Provider runs (Hono's router `common.case.test.ts` idea): the same
 * calls, against cassettes of each upstream's own wire format, must give the same IR and the same
 * error semantics. Call `providerConformance(...)` from a provider's `*.test.ts`.
 *
 * Cassettes live in `cassetteDir`, one file per case, named as in CASSETTES below, and must answer
 * the canonical requests (REQUESTS) with the canonical content (EXPECT). Each case starts its own
 * cassette server holding only the cassettes it needs, so a mis-encoded request shows up as a 599.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCassettes, startCassetteServer, type Cassette, type CassetteServer } from '../../test/support/cassette-server.js';
import { RampartError } from '../errors.js';
import type { ChatRequest, ChatResponse, Message, StreamEvent, ToolDef } from '../translate/ir.js';
import { UpstreamError, type Deployment, type Provider, type Timeouts, type UpstreamCall } from './types.js';

export const CASSETTES = [
  'chat-basic',
  'chat-tools',
  'chat-tool-result',
  'stream-text',
  'stream-tools',
  'stream-cut',
  'stream-slow',
  'hang',
  'error-400',
  'error-429',
  'error-500',
] as const;
export type CassetteName = (typeof CASSETTES)[number];

export const WEATHER_TOOL: ToolDef = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'conformance',
  system: [],
  messages: [user(text)],
  stream: false,
  ...extra,
});

/** The requests the suite sends; each provider's cassettes must match what its encoder makes of them. */
export const REQUESTS = {
  basic: ask('Say hello.', { system: ['You are terse.'], maxTokens: 64, temperature: 0 }),
  tools: ask('What is the weather in Paris?', { tools: [WEATHER_TOOL] }),
  streamText: ask('Count to three.', { stream: true, includeUsage: true }),
  streamTools: ask('Stream the weather in Paris.', { stream: true, tools: [WEATHER_TOOL] }),
  streamCut: ask('Tell me a story.', { stream: true }),
  streamSlow: ask('Go slowly.', { stream: true }),
  hang: ask('Hang.'),
  error: (status: 400 | 429 | 500) => ask(`Trigger ${status}.`),
};

/** What the cassettes answer. Usage counts are the whole prompt, cached tokens included. */
export const EXPECT = {
  basicText: 'Hello! How can I help?',
  basicUsage: { inputTokens: 19, outputTokens: 7 },
  toolArgs: { city: 'Paris' },
  toolResultContent: '{"temp_c":18}',
  toolResultText: 'It is 18°C in Paris.',
  streamText: 'One, two, three – done.',
  streamTextOutputTokens: 9,
  streamToolsText: 'Let me check.',
  retryAfterMs: 7000,
};

export interface ConformanceOptions {
  name: string;
  /** `timeouts` lets the suite use tiny timeouts for the hang case. */
  makeProvider(baseUrl: string, opts?: { timeouts?: Partial<Timeouts> }): Provider;
  /** Absent for providers without an upstream (demo): only the offline cases run. */
  cassetteDir?: string;
  deployment: Deployment;
}

const CASE_TIMEOUT = { timeout: 15_000 };

export function providerConformance(opts: ConformanceOptions): void {
  describe(`provider conformance: ${opts.name}`, () => {
    if (!opts.cassetteDir) {
      offlineCases(opts);
      return;
    }
    const dir = opts.cassetteDir;
    let all: Cassette[] | undefined;
    const pick = (names: CassetteName[]): Cassette[] => {
      all ??= loadCassettes(dir);
      // A name may hold several cassettes (Bedrock answers chat and stream on two paths).
      return names.flatMap((n) => {
        const cs = all!.filter((x) => x.name === n);
        if (cs.length === 0) throw new Error(`missing cassette "${n}" in ${join(dir)}`);
        return cs;
      });
    };
    /** Runs `fn` against a server holding just the named cassettes, then closes both. */
    const withServer = async (
      names: CassetteName[],
      fn: (p: Provider, s: CassetteServer) => Promise<void>,
      timeouts?: Partial<Timeouts>,
    ): Promise<void> => {
      const server = await startCassetteServer(pick(names));
      const provider = opts.makeProvider(server.url, timeouts ? { timeouts } : undefined);
      try {
        await fn(provider, server);
      } finally {
        await provider.close();
        await server.close();
      }
    };
    const dep = opts.deployment;

    test('basic chat: text, stop reason, usage; system prompt sent', CASE_TIMEOUT, () =>
      withServer(['chat-basic'], async (p, s) => {
        const r = await p.chat(REQUESTS.basic, dep, newCall().call);
        assert.deepEqual(r.content, [{ type: 'text', text: EXPECT.basicText }]);
        assert.equal(r.stopReason, 'end_turn');
        assert.equal(r.usage.inputTokens, EXPECT.basicUsage.inputTokens);
        assert.equal(r.usage.outputTokens, EXPECT.basicUsage.outputTokens);
        assert.ok(r.id.length > 0, 'response id');
        assert.equal(s.requests.length, 1);
        assert.ok(s.requests[0].body.includes('You are terse.'), 'system prompt in the upstream request');
        assert.ok(s.requests[0].body.includes(dep.upstreamModel) || s.requests[0].path.includes(encodeURIComponent(dep.upstreamModel)), 'upstream model id sent');
      }),
    );

    test('tool call round trip', CASE_TIMEOUT, () =>
      withServer(['chat-tool-result', 'chat-tools'], async (p, s) => {
        const r1 = await p.chat(REQUESTS.tools, dep, newCall().call);
        assert.equal(r1.stopReason, 'tool_use');
        const call = r1.content.find((c) => c.type === 'tool_call');
        assert.ok(call && call.type === 'tool_call', 'a tool call came back');
        assert.equal(call.name, WEATHER_TOOL.name);
        assert.deepEqual(JSON.parse(call.arguments), EXPECT.toolArgs);
        assert.ok(call.id.length > 0);
        const followUp: ChatRequest = {
          ...REQUESTS.tools,
          messages: [
            ...REQUESTS.tools.messages,
            { role: 'assistant', content: r1.content },
            { role: 'tool', content: [{ type: 'tool_result', toolCallId: call.id, content: EXPECT.toolResultContent }] },
          ],
        };
        const r2: ChatResponse = await p.chat(followUp, dep, newCall().call);
        assert.deepEqual(r2.content, [{ type: 'text', text: EXPECT.toolResultText }]);
        assert.equal(r2.stopReason, 'end_turn');
        assert.ok(s.requests[1].body.includes(call.id), 'tool call id sent back');
        assert.ok(s.requests[0].body.includes(WEATHER_TOOL.name), 'tool definition sent');
      }),
    );

    test('streaming text: ordering contract, text, usage after stop', CASE_TIMEOUT, () =>
      withServer(['stream-text'], async (p) => {
        const events = await collect(await p.chatStream(REQUESTS.streamText, dep, newCall().call));
        checkStreamOrder(events);
        assert.equal(textOf(events), EXPECT.streamText);
        assert.deepEqual(events.find((e) => e.type === 'stop'), { type: 'stop', stopReason: 'end_turn' });
        const usage = events.at(-1);
        assert.ok(usage?.type === 'usage', 'usage is the last event');
        assert.equal(usage.usage.outputTokens, EXPECT.streamTextOutputTokens);
        assert.ok(usage.usage.inputTokens > 0);
      }),
    );

    test('streaming tool call: text block, tool block, stop tool_use, usage', CASE_TIMEOUT, () =>
      withServer(['stream-tools'], async (p) => {
        const events = await collect(await p.chatStream(REQUESTS.streamTools, dep, newCall().call));
        checkStreamOrder(events);
        assert.equal(textOf(events), EXPECT.streamToolsText);
        const start = events.find((e) => e.type === 'tool_call_start');
        assert.ok(start && start.type === 'tool_call_start');
        assert.equal(start.name, WEATHER_TOOL.name);
        const args = events
          .filter((e): e is Extract<StreamEvent, { type: 'tool_call_delta' }> => e.type === 'tool_call_delta' && e.index === start.index)
          .map((e) => e.arguments)
          .join('');
        assert.deepEqual(JSON.parse(args), EXPECT.toolArgs);
        assert.deepEqual(events.find((e) => e.type === 'stop'), { type: 'stop', stopReason: 'tool_use' });
        assert.equal(events.at(-1)?.type, 'usage');
      }),
    );

    test('upstream 400 -> bad_request, not retryable, upstream status and message kept', CASE_TIMEOUT, () =>
      withServer(['error-400'], async (p) => {
        await assert.rejects(p.chat(REQUESTS.error(400), dep, newCall().call), (err: unknown) => {
          assert.ok(err instanceof UpstreamError, `UpstreamError, got ${String(err)}`);
          assert.equal(err.code, 'bad_request');
          assert.equal(err.retryable, false);
          assert.equal(err.upstreamStatus, 400);
          assert.equal(err.status, 400);
          assert.doesNotMatch(err.message, /answered HTTP/, 'the upstream message, not a generic one');
          return true;
        });
      }),
    );

    test('upstream 429 + Retry-After -> rate_limited, retryable, retryAfterMs', CASE_TIMEOUT, () =>
      withServer(['error-429'], async (p) => {
        await assert.rejects(p.chat(REQUESTS.error(429), dep, newCall().call), (err: unknown) => {
          assert.ok(err instanceof UpstreamError);
          assert.equal(err.code, 'rate_limited');
          assert.equal(err.retryable, true);
          assert.equal(err.retryAfterMs, EXPECT.retryAfterMs);
          return true;
        });
      }),
    );

    test('upstream 500 -> upstream_error, retryable', CASE_TIMEOUT, () =>
      withServer(['error-500'], async (p) => {
        await assert.rejects(p.chat(REQUESTS.error(500), dep, newCall().call), (err: unknown) => {
          assert.ok(err instanceof UpstreamError);
          assert.equal(err.code, 'upstream_error');
          assert.equal(err.retryable, true);
          assert.equal(err.upstreamStatus, 500);
          assert.equal(err.midStream, false);
          return true;
        });
      }),
    );

    test('stream cut mid-way -> events, then a midStream UpstreamError', CASE_TIMEOUT, () =>
      withServer(['stream-cut'], async (p) => {
        const stream = await p.chatStream(REQUESTS.streamCut, dep, newCall().call);
        const seen: StreamEvent[] = [];
        await assert.rejects(
          (async () => {
            for await (const e of stream) seen.push(e);
          })(),
          (err: unknown) => {
            assert.ok(err instanceof UpstreamError, `UpstreamError, got ${String(err)}`);
            assert.equal(err.midStream, true);
            return true;
          },
        );
        assert.equal(seen[0]?.type, 'start');
        assert.ok(!seen.some((e) => e.type === 'stop'), 'no stop event for a cut stream');
      }),
    );

    test('abort via call.signal ends a stream and a pending call', CASE_TIMEOUT, () =>
      withServer(['stream-slow', 'hang'], async (p) => {
        const c1 = newCall();
        const stream = await p.chatStream(REQUESTS.streamSlow, dep, c1.call);
        let n = 0;
        await assert.rejects(
          (async () => {
            for await (const e of stream) {
              n++;
              if (e.type === 'text') c1.abort();
            }
          })(),
          (err: unknown) => err instanceof RampartError,
        );
        assert.ok(n < 10, `stream stopped early (saw ${n} events)`);
        const c2 = newCall();
        const pending = p.chat(REQUESTS.hang, dep, c2.call);
        setTimeout(() => c2.abort(), 50);
        await assert.rejects(pending, (err: unknown) => err instanceof RampartError);
      }),
    );

    test('upstream hangs after headers -> upstream_timeout, retryable (chat and stream)', CASE_TIMEOUT, () =>
      withServer(
        ['hang'],
        async (p) => {
          const isTimeout = (err: unknown) => {
            assert.ok(err instanceof UpstreamError, `UpstreamError, got ${String(err)}`);
            assert.equal(err.code, 'upstream_timeout');
            assert.equal(err.retryable, true);
            assert.equal(err.midStream, false);
            return true;
          };
          await assert.rejects(p.chat(REQUESTS.hang, dep, newCall().call), isTimeout);
          await assert.rejects(p.chatStream({ ...REQUESTS.hang, stream: true }, dep, newCall().call), isTimeout);
        },
        { firstByteMs: 200, idleMs: 200 },
      ),
    );

    test('connection refused -> retryable UpstreamError', CASE_TIMEOUT, async () => {
      // Port 1 on loopback: nothing listens there in a test environment.
      const p = opts.makeProvider('http://127.0.0.1:1', { timeouts: { connectMs: 2000 } });
      try {
        await assert.rejects(p.chat(REQUESTS.basic, dep, newCall().call), (err: unknown) => {
          assert.ok(err instanceof UpstreamError);
          assert.equal(err.retryable, true);
          return true;
        });
      } finally {
        await p.close();
      }
    });
  });
}

function offlineCases(opts: ConformanceOptions): void {
  const dep = opts.deployment;
  test('basic chat: text and usage', async () => {
    const p = opts.makeProvider('');
    const r = await p.chat(REQUESTS.basic, dep, newCall().call);
    assert.ok(r.content.length > 0 && r.content[0].type === 'text' && r.content[0].text.length > 0);
    assert.equal(r.stopReason, 'end_turn');
    assert.ok(r.usage.inputTokens > 0 && r.usage.outputTokens > 0);
    await p.close();
  });
  test('streaming: ordering contract, text equals the non-streamed reply', async () => {
    const p = opts.makeProvider('');
    const events = await collect(await p.chatStream({ ...REQUESTS.basic, stream: true }, dep, newCall().call));
    checkStreamOrder(events);
    const r = await p.chat(REQUESTS.basic, dep, newCall().call);
    assert.equal(textOf(events), r.content[0].type === 'text' ? r.content[0].text : '');
    assert.ok(events.filter((e) => e.type === 'text').length > 1, 'several chunks');
    await p.close();
  });
  test('an aborted signal rejects', async () => {
    const p = opts.makeProvider('');
    const c = newCall();
    c.abort();
    await assert.rejects(p.chat(REQUESTS.basic, dep, c.call), (err: unknown) => err instanceof RampartError);
    await p.close();
  });
}

function newCall(): { call: UpstreamCall; abort(): void } {
  const ac = new AbortController();
  return { call: { requestId: 'req_conformance', signal: ac.signal }, abort: () => ac.abort() };
}

function textOf(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

export async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/**
 * Asserts the ordering contract of ir.ts: `start` first; blocks opened at the next index in
 * order, deltas only into an open block of the right kind; every opened block stopped; then
 * exactly one `stop`; then at most one `usage`; then nothing.
 */
export function checkStreamOrder(events: StreamEvent[]): void {
  assert.equal(events[0]?.type, 'start', 'first event is start');
  const open = new Map<number, 'text' | 'tool'>();
  const closed = new Set<number>();
  let next = 0;
  let stopAt = -1;
  events.forEach((e, i) => {
    const where = `event ${i} (${e.type})`;
    if (i > 0) assert.notEqual(e.type, 'start', `${where}: start only once`);
    if (stopAt >= 0 && e.type !== 'usage') assert.fail(`${where}: nothing but usage after stop`);
    switch (e.type) {
      case 'text':
        if (!open.has(e.index)) {
          assert.equal(e.index, next, `${where}: a new block takes the next index`);
          open.set(e.index, 'text');
          next++;
        }
        assert.equal(open.get(e.index), 'text', `${where}: text into a text block`);
        break;
      case 'tool_call_start':
        assert.equal(e.index, next, `${where}: a new block takes the next index`);
        assert.ok(e.name.length > 0, `${where}: tool name`);
        open.set(e.index, 'tool');
        next++;
        break;
      case 'tool_call_delta':
        assert.equal(open.get(e.index), 'tool', `${where}: delta into an open tool block`);
        break;
      case 'block_stop':
        assert.ok(open.has(e.index), `${where}: stops an open block`);
        open.delete(e.index);
        closed.add(e.index);
        break;
      case 'stop':
        assert.equal(open.size, 0, `${where}: every block stopped before stop`);
        stopAt = i;
        break;
      case 'usage':
        assert.ok(stopAt >= 0 && i === events.length - 1, `${where}: usage comes once, last, after stop`);
        break;
    }
  });
  assert.ok(stopAt >= 0, 'exactly one stop');
  assert.equal(events.filter((e) => e.type === 'stop').length, 1, 'exactly one stop');
  assert.equal(closed.size, next, 'every opened block was stopped');
}
