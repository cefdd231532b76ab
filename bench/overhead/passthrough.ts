/**
 * The floor: a bare undici pass-through proxy (no parsing, no auth) to the same upstream, so the
 * benchmark can show what Rampart's pipeline adds on top of the unavoidable proxy hop.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:9999';
const pool = new Pool(upstream, { connections: 64 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    pool
      .request({ method: 'POST', path: req.url ?? '/', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
      .then(async (up) => {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
        for await (const c of up.body) res.write(c);
        res.end();
      })
      .catch(() => { res.writeHead(502); res.end(); });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
});
