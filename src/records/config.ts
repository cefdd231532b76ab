import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Store, StoreConfig } from '../store/types.js';
import { Recorder } from './recorder.js';
import { generateSigningKey, loadSigner, signerFromPem, TrustedKeys, type Signer } from './signing.js';
import { Keyring } from './crypto.js';
import { storeWorkerSink } from './sinks/store-worker.js';
import { jsonlSink } from './sinks/jsonl.js';
import type { Sink } from './types.js';

/** The `records:` section of rampart.yaml: invocation logs and the audit trail. */
const contentPolicy = z.enum(['full', 'masked', 'metadata']);

export const RecordsConfigSchema = z
  .object({
    /** Write-ahead spool (one per instance): a record is durable here before the answer's last byte. */
    spoolDir: z.string().default('./data/spool'),
    /** What of the request and response bodies is kept: full, masked (guardrail-anonymised) or metadata only. */
    content: contentPolicy.default('full'),
    /** Per-application content policy, by application id. */
    applications: z.record(z.string(), contentPolicy).default({}),
    /**
     * How durable a record is before the answer's last byte. `write` (default): written to the spool file (one
     * write for all the answers of an event-loop turn), so it survives a crash or `kill -9` of the gateway (the kernel
     * holds it); `fdatasync`: also flushed to the disk, so it
     * survives power loss, at the cost of a disk sync per group commit (milliseconds of latency on most disks).
     */
    durability: z.enum(['write', 'fdatasync']).default('write'),
    /** When the spool cannot be written: refuse to answer (fail_closed) or keep going in memory, counted. */
    diskFull: z.enum(['fail_closed', 'memory_only']).default('fail_closed'),
    /** What happens when the in-memory queue is full: spool to disk (nothing lost) or drop, counted. */
    overflow: z.enum(['spool', 'drop_newest']).default('spool'),
    sinks: z
      .object({
        /** The embedded store (SQLite / PostgreSQL), written from a worker thread. */
        store: z.boolean().default(true),
        jsonl: z
          .object({ dir: z.string(), maxBytes: z.number().int().min(1024).optional(), maxAgeMs: z.number().int().min(1000).optional(), gzip: z.boolean().default(true) })
          .strict()
          .optional(),
        s3: z
          .object({
            bucket: z.string().min(3),
            prefix: z.string().optional(),
            region: z.string().default('us-east-1'),
            endpoint: z.string().url().optional(),
            forcePathStyle: z.boolean().default(false),
          })
          .strict()
          .optional(),
        /** OpenTelemetry spans with the GenAI semantic-convention attributes (needs a registered tracer provider). */
        otel: z.boolean().default(false),
      })
      .strict()
      .default({ store: true, otel: false }),
    audit: z
      .object({
        /**
         * Ed25519 private key (PEM) that signs the digests. Keep it where the process writing logs cannot rewrite it.
         * Default: RAMPART_AUDIT_SIGNING_KEY, else a key generated on first start under <data>/keys/.
         */
        signingKeyFile: z.string().optional(),
        digestIntervalMs: z.number().int().min(1000).default(3_600_000),
        /** Public keys (PEM files or directories) of earlier signing keys, so digests signed before a rotation verify. */
        trustedPublicKeys: z.array(z.string()).default([]),
      })
      .strict()
      .default({ digestIntervalMs: 3_600_000, trustedPublicKeys: [] }),
    /** Optional AES-256-GCM payload encryption; keys from a file or RAMPART_RECORDS_KEYS (see docs/records.md). */
    encryption: z.object({ keysFile: z.string().optional(), perSubject: z.boolean().default(true) }).strict().optional(),
  })
  .strict();

export type RecordsConfig = z.infer<typeof RecordsConfigSchema>;

export interface RecorderSetup {
  recorder: Recorder;
  /** Public key file that `rampart audit verify --public-key` needs, when the key was generated here. */
  publicKeyFile?: string;
  /** The current signing key's public half plus the configured earlier ones (admin API `audit/verify`). */
  trustedKeys: TrustedKeys;
}

/**
 * Builds the recorder for a config. The signing key: the configured file, RAMPART_AUDIT_SIGNING_KEY, or (first
 * start) a key generated under <spool's parent>/keys/ with its public half beside it for `rampart audit verify`.
 */
export async function createRecorder(cfg: RecordsConfig, deps: { baseDir: string; store: Store; storeConfig: StoreConfig; logger: Logger }): Promise<RecorderSetup> {
  const spoolDir = resolve(deps.baseDir, cfg.spoolDir);
  let signer: Signer | undefined;
  let publicKeyFile: string | undefined;
  if (cfg.audit.signingKeyFile) signer = loadSigner({ file: resolve(deps.baseDir, cfg.audit.signingKeyFile) });
  else signer = loadSigner({ env: 'RAMPART_AUDIT_SIGNING_KEY' });
  if (!signer) {
    const keyFile = resolve(dirname(spoolDir), 'keys', 'audit-signing.key');
    publicKeyFile = resolve(dirname(spoolDir), 'keys', 'audit-signing.pub.pem');
    if (!existsSync(keyFile)) {
      const k = generateSigningKey();
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, k.privateKeyPem, { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600);
      writeFileSync(publicKeyFile, k.publicKeyPem, { flag: 'w' });
      deps.logger.warn({ keyFile, publicKeyFile, fingerprint: k.fingerprint }, 'generated an audit signing key; for production keep it outside the log writer\'s reach (records.audit.signingKeyFile)');
    }
    signer = signerFromPem(readFileSync(keyFile, 'utf8'));
  }
  const sinks: Sink[] = [];
  if (cfg.sinks.store) sinks.push(storeWorkerSink({ store: deps.storeConfig }));
  if (cfg.sinks.jsonl) sinks.push(jsonlSink({ ...cfg.sinks.jsonl, dir: resolve(deps.baseDir, cfg.sinks.jsonl.dir) }));
  if (cfg.sinks.s3) {
    const { s3Sink } = await import('./sinks/s3.js');
    const s3 = cfg.sinks.s3;
    sinks.push(s3Sink({ bucket: s3.bucket, prefix: s3.prefix, client: { region: s3.region, endpoint: s3.endpoint, forcePathStyle: s3.forcePathStyle } }));
  }
  if (cfg.sinks.otel) {
    const { otelSink } = await import('./sinks/otel.js');
    const { trace } = await import('@opentelemetry/api');
    // Spans go to whatever tracer provider the process registered (OTEL SDK via --import, for example).
    sinks.push(otelSink({ tracer: trace.getTracer('rampart') }));
  }
  const keyring = cfg.encryption ? Keyring.load({ file: cfg.encryption.keysFile ? resolve(deps.baseDir, cfg.encryption.keysFile) : undefined, env: 'RAMPART_RECORDS_KEYS' }) : undefined;
  if (cfg.encryption && !keyring) throw new Error('records.encryption: no keys (records.encryption.keysFile or RAMPART_RECORDS_KEYS)');
  const recorder = await Recorder.create({
    spoolDir,
    sinks,
    store: deps.store.records,
    changes: deps.store.changes,
    content: { default: cfg.content, applications: cfg.applications },
    encryption: keyring ? { keyring, perSubject: cfg.encryption?.perSubject } : undefined,
    diskFull: cfg.diskFull,
    sync: cfg.durability === 'fdatasync',
    overflow: cfg.overflow,
    // Records reach the store within ~10 ms: entries that wait longer outlive two young-generation collections
    // and are promoted, and their old-generation garbage showed up as mark-compact pauses in the answers' p99.
    // An S3 object is one batch, so with an S3 sink batches gather for 100 ms.
    flushMs: cfg.sinks.s3 ? 100 : 10,
    digest: { signer, intervalMs: cfg.audit.digestIntervalMs, store: deps.store.records },
    onError: (message, err) => deps.logger.error({ err }, `records: ${message}`),
  });
  const trustedKeys = cfg.audit.trustedPublicKeys.length > 0 ? TrustedKeys.load(cfg.audit.trustedPublicKeys.map((p) => resolve(deps.baseDir, p))) : new TrustedKeys();
  trustedKeys.add(signer.publicKeyPem);
  return { recorder, publicKeyFile, trustedKeys };
}
