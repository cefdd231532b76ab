/**
 * A local OpenAI-compatible upstream for benchmarks: fixed answers, no work, so what the numbers
 * show is the gateway. Streams when asked. Prints its port on stdout.
 */
import { createServer } from 'node:http';

const answer = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the benchmark upstream. '.repeat(4) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 40, total_tokens: 1040 },
});

function chunk(delta: object, finish: string | null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => { body += c; });
  req.on('end', () => {
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: '' }, null));
      for (let i = 0; i < 8; i++) res.write(chunk({ content: `word${i} ` }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
});
