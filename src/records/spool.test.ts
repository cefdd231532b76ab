import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256Hex } from './canonical.js';
import { Spool, entryLine, readSpool } from './spool.js';

const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rampart-spool-unit-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const segmentsOf = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('spool-')).sort();
const entry = (seq: number) => {
  const auditBody = `{"seq":${seq}}`;
  return entryLine({ seq, requestId: `r${seq}`, auditHash: sha256Hex(auditBody), auditBody });
};

describe('spool', () => {
  it("durability 'write': the lines of one event-loop turn go out in one write(2) when it ends, then their callbacks run", async () => {
    const dir = spoolDir();
    const spool = new Spool({ dir, sync: false }, 0, () => 'H\t0\t-\n');
    const file = () => readFileSync(join(dir, segmentsOf(dir)[0]), 'utf8');
    const seen: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      spool.append(`E\t${seq}\tline\n`, seq, (err) => {
        assert.equal(err, undefined);
        // Each callback finds its line (and the whole turn's) in the file already.
        assert.match(file(), new RegExp(`E\\t${seq}\\t`));
        seen.push(`cb${seq}`);
      });
    }
    assert.deepEqual(seen, [], 'no callback runs before the turn ends');
    assert.equal(file(), '', 'nothing written yet');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['cb1', 'cb2', 'cb3']);
    assert.equal(file(), 'H\t0\t-\nE\t1\tline\nE\t2\tline\nE\t3\tline\n');
    assert.equal(spool.commits, 1, 'one write for the turn');
    await spool.close();
  });

  it("durability 'fdatasync': lines that arrive during a sync are committed together in the next one", async () => {
    const dir = spoolDir();
    const spool = new Spool({ dir, sync: true }, 0, () => '');
    const done = Array.from({ length: 5 }, (_, i) => new Promise<void>((resolve, reject) => {
      spool.append(`E\t${i + 1}\tx\n`, i + 1, (err) => (err ? reject(err) : resolve()));
    }));
    await Promise.all(done);
    assert.ok(spool.commits <= 2, `${spool.commits} commits for five lines`);
    await spool.close();
  });

  it('reading the spool while acknowledged segments are being deleted skips them instead of failing', async () => {
    // Spilled entries are re-read right after an acknowledgement starts deleting segments in the background.
    for (let round = 0; round < 10; round++) {
      const dir = spoolDir();
      const spool = new Spool({ dir, sync: false, segmentBytes: 64 }, 0, () => '');
      // One line per write, so that rotation makes many segments.
      for (let seq = 1; seq <= 300; seq++) {
        spool.append(entry(seq), seq);
        await spool.drain();
      }
      spool.ack(250);
      // The 'A' line goes out at the end of the turn; the deletions started by ack() run on libuv's pool meanwhile.
      await spool.drain();
      const replay = readSpool(dir);
      assert.deepEqual(replay.entries.map((e) => e.seq), Array.from({ length: 50 }, (_, i) => 251 + i));
      await spool.close();
    }
  });

  for (const sync of [false, true]) {
    it(`a callback that throws (sync ${sync}) is not swallowed and does not stall the spool: later appends are written`, () => {
      // In a child: the error surfaces as an uncaught exception, which a test runner would take as its own failure.
      const dir = spoolDir();
      const child = `
        const { Spool } = await import(${JSON.stringify(new URL('./spool.js', import.meta.url).href)});
        const spool = new Spool({ dir: ${JSON.stringify(dir)}, sync: ${sync} }, 0, () => '');
        const uncaught = [];
        process.on('uncaughtException', (e) => uncaught.push(e.message));
        spool.append('E\\t1\\tr1\\n', 1, () => { throw new Error('a caller bug'); });
        await new Promise((r) => setTimeout(r, 50));
        let second = false;
        spool.append('E\\t2\\tr2\\n', 2, () => { second = true; });
        await spool.drain();
        await spool.close();
        console.log(JSON.stringify({ uncaught, second }));
      `;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', child]).toString();
      assert.deepEqual(JSON.parse(out), { uncaught: ['a caller bug'], second: true });
      assert.equal(readFileSync(join(dir, segmentsOf(dir)[0]), 'utf8'), 'E\t1\tr1\nE\t2\tr2\n');
    });
  }

  it('deletes a rotated segment once everything in it is acknowledged, and close() waits for the deletion', async () => {
    const dir = spoolDir();
    const spool = new Spool({ dir, sync: false, segmentBytes: 64 }, 0, () => '');
    for (let seq = 1; seq <= 4; seq++) {
      spool.append(`E\t${seq}\t${'x'.repeat(40)}\n`, seq);
      await spool.drain();
    }
    const before = segmentsOf(dir);
    assert.ok(before.length >= 3, `rotated into several segments: ${before.join(' ')}`);
    spool.ack(4);
    await spool.close();
    const left = segmentsOf(dir);
    assert.deepEqual(left, [before.at(-1)], 'only the open segment is left');
  });

  it("durability 'write': a line the file system takes only in part fails its append, and is not counted as written", () => {
    // A file-size limit (ulimit -f, 8 x 512 bytes; Node ignores SIGXFSZ) makes write(2) short, then EFBIG.
    const dir = spoolDir();
    const child = `
      const { Spool } = await import(${JSON.stringify(new URL('./spool.js', import.meta.url).href)});
      const spool = new Spool({ dir: ${JSON.stringify(dir)}, sync: false }, 0, () => '');
      const codes = [];
      spool.append('E\\t1\\t' + 'x'.repeat(3000) + '\\n', 1, (err) => codes.push(err?.code ?? 'ok'));
      await spool.drain();
      spool.append('E\\t2\\t' + 'y'.repeat(3000) + '\\n', 2, (err) => codes.push(err?.code ?? 'ok'));
      await spool.drain();
      console.log(JSON.stringify({ codes, failures: spool.failures }));
    `;
    const out = execFileSync('sh', ['-c', `ulimit -f 8 && exec "${process.execPath}" --input-type=module -e "$0"`, child]).toString();
    assert.deepEqual(JSON.parse(out), { codes: ['ok', 'EFBIG'], failures: 1 });
    assert.equal(statSync(join(dir, segmentsOf(dir)[0])).size, 4096, 'the first line whole, the second cut at the limit');
  });
});
