import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestContext } from '../pipeline/context.js';
import type { Store } from '../store/types.js';
import { createKey } from './apikeys.js';
import { createAuthenticateStage } from './authenticate.js';
import { KeyCache } from './keycache.js';
import { NetworkPolicy } from './network.js';
import { tempStore } from './testing.js';

/** The credentials the official OpenAI and Anthropic SDKs send pass the stage as they are. */

let store: Store;
let cleanup: () => Promise<void>;
let keys: KeyCache;
let server: Server;
let base: string;
let key: string;
const seen: string[] = [];

before(async () => {
  ({ store, cleanup } = await tempStore());
  keys = new KeyCache({ store, touchIntervalMs: 3_600_000 });
  ({ key } = await createKey(store, { name: 'sdk', roles: ['general-access'] }, { id: 'cli', roles: [], scope: 'admin' }));
  const stage = createAuthenticateStage({ keys, network: new NetworkPolicy() });
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const anthropic = req.url?.startsWith('/v1/messages') ?? false;
      const ctx = {
        clientApi: anthropic ? 'anthropic' : 'openai',
        sourceIp: req.socket.remoteAddress ?? '',
        headers: req.headers,
        http: { method: req.method ?? 'GET', url: req.url ?? '/' },
      } as unknown as RequestContext;
      void Promise.resolve()
        .then(() => stage.run(ctx))
        .then(
          () => {
            seen.push(ctx.principal?.id ?? '?');
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify(
                anthropic
                  ? { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }
                  : { id: 'c1', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] },
              ),
            );
          },
          () => {
            seen.push('refused');
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end('{"error":{"message":"unauthorized"}}');
          },
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => server.close(r));
  await keys.close();
  await cleanup();
});

describe('official SDK credentials', () => {
  it('OpenAI (Authorization: Bearer) and Anthropic (x-api-key)', async () => {
    seen.length = 0;
    const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
    const c = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(c.choices[0].message.content, 'ok');
    const anthropic = new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(m.content[0].type === 'text' ? m.content[0].text : '', 'ok');
    await assert.rejects(new OpenAI({ apiKey: 'rk_wrong', baseURL: `${base}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(seen.length, 3);
    assert.equal(seen[0], seen[1]);
    assert.match(seen[0], /^apikey:key_/);
    assert.equal(seen[2], 'refused');
  });
});
