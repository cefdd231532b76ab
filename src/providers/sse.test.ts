import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseSSE, SSEDecoder, SSEParseError, type SSEEvent } from './sse.js';

const STREAM =
  ': comment to ignore\r\n' +
  'event: message_start\r\n' +
  'data: {"a":1}\r\n' +
  '\r\n' +
  'data: line one\n' +
  'data:line two\n' +
  'id: 7\n' +
  'retry: 100\n' +
  '\n' +
  'event: ping\r' +
  'data: ☃ snow – dash\r' +
  '\r' +
  'data\n\n' +
  'data: [DONE]\n\n';

const EXPECTED: SSEEvent[] = [
  { event: 'message_start', data: '{"a":1}' },
  { data: 'line one\nline two', id: '7' },
  // The last event id persists across events, as EventSource keeps it.
  { event: 'ping', data: '☃ snow – dash', id: '7' },
  { data: '', id: '7' },
  { data: '[DONE]', id: '7' },
];

function feed(chunks: Buffer[]): SSEEvent[] {
  const d = new SSEDecoder();
  const out: SSEEvent[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.end());
  return out;
}

test('CRLF, CR, LF, comments, multi-line data, id, empty data', () => {
  assert.deepEqual(feed([Buffer.from(STREAM)]), EXPECTED);
});

test('any chunk boundary gives the same events (byte by byte, and every split point)', () => {
  const bytes = Buffer.from(STREAM);
  assert.deepEqual(feed([...bytes].map((b) => Buffer.from([b]))), EXPECTED);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(feed([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at ${i}`);
  }
});

test('an unterminated last event is dropped (a cut stream must not look complete)', () => {
  assert.deepEqual(feed([Buffer.from('data: a\n\ndata: partial')]), [{ data: 'a' }]);
  assert.deepEqual(feed([Buffer.from('data: a\n\ndata: partial\n')]), [{ data: 'a' }]);
});

test('oversized events fail closed', () => {
  const d = new SSEDecoder({ maxEventChars: 10 });
  assert.throws(() => d.push('data: 0123456789abc'), SSEParseError);
  const d2 = new SSEDecoder({ maxEventChars: 10 });
  d2.push('data: 01234\n');
  assert.throws(() => d2.push('data: 56789\n'), SSEParseError);
});

test('parseSSE reads a Node stream', async () => {
  const src = Readable.from([Buffer.from('data: x\n'), Buffer.from('\ndata: y\n\n')]);
  const out: SSEEvent[] = [];
  for await (const e of parseSSE(src)) out.push(e);
  assert.deepEqual(out, [{ data: 'x' }, { data: 'y' }]);
});
