import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LightAbortController } from './abort.js';

describe('LightAbortController', () => {
  it('aborts once, with the reason, calling each listener once in the order added', () => {
    const ac = new LightAbortController();
    const calls: string[] = [];
    const a = () => calls.push('a');
    ac.signal.addEventListener('abort', a);
    ac.signal.addEventListener('abort', a); // the same listener is added once
    ac.signal.addEventListener('abort', () => calls.push('b'), { once: true });
    assert.equal(ac.signal.aborted, false);
    ac.abort('why');
    ac.abort('again');
    assert.deepEqual(calls, ['a', 'b']);
    assert.equal(ac.signal.aborted, true);
    assert.equal(ac.signal.reason, 'why');
    assert.throws(() => ac.signal.throwIfAborted(), (e) => e === 'why');
  });

  it('defaults the reason to an AbortError and does not call removed listeners or listeners added after abort', () => {
    const ac = new LightAbortController();
    let removed = 0;
    const r = () => removed++;
    ac.signal.addEventListener('abort', r);
    ac.signal.removeEventListener('abort', r);
    ac.abort();
    assert.equal(removed, 0);
    assert.ok(ac.signal.reason instanceof DOMException);
    assert.equal((ac.signal.reason as DOMException).name, 'AbortError');
    let late = 0;
    ac.signal.addEventListener('abort', () => late++);
    assert.equal(late, 0);
  });

  it('keeps calling listeners when one throws, and calls onabort and handleEvent objects', () => {
    const ac = new LightAbortController();
    const seen: string[] = [];
    ac.signal.addEventListener('abort', () => { throw new Error('bad listener'); });
    ac.signal.addEventListener('abort', { handleEvent: (ev: Event) => seen.push(`object:${ev.type}`) });
    ac.signal.onabort = () => seen.push('onabort');
    ac.abort(new Error('stop'));
    assert.deepEqual(seen, ['object:abort', 'onabort']);
  });

  it('aborts an undici request in flight', async () => {
    const { createServer } = await import('node:http');
    const { Agent, request } = await import('../providers/undici.js');
    const server = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const dispatcher = new Agent();
    const ac = new LightAbortController();
    const pending = request(`http://127.0.0.1:${port}/`, { method: 'GET', dispatcher, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('client gone')), 20);
    await assert.rejects(pending, /client gone/);
    await dispatcher.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
