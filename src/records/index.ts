/**
 * The records subsystem: invocation logs of every model call and the tamper-evident audit trail of every API call.
 * See docs/records.md. Typical wiring:
 *
 *   const recorder = await Recorder.create({
 *     spoolDir: './data/spool', store: store.records,
 *     sinks: [storeWorkerSink({ store: storeCfg }), jsonlSink({ dir: './data/records' })],
 *     digest: { signer: loadSigner({ file: keyPath })!, intervalMs: 3_600_000, store: store.records },
 *   });
 *   stages.record = recorder;                      // record(ctx) once per request, after the answer
 *   await recorder.beforeLastByte(ctx);           // before the final bytes (durable in the spool)
 *   await recorder.audit({ eventName: 'ManageKeys', eventSource: 'rampart.admin', ... });  // admin plane
 *   await recorder.close();                       // graceful shutdown, before store.close()
 */
export { Recorder, ERASE_TOPIC, type RecorderOptions, type RecorderStats, type DiskFullPolicy } from './recorder.js';
export { registerRecorderMetrics } from './metrics.js';
export type { OverflowPolicy, DeliveryOptions } from './delivery.js';
export { AuditChain, dataPlaneEvent, sanitize } from './audit.js';
export { principalSummary, buildInvocation, type CostFn } from './invocation.js';
export { Keyring, type Envelope } from './crypto.js';
export { openPayloads, ERASED, type EncryptionOptions } from './payloads.js';
export { DigestWriter, writeDigest } from './digest.js';
export { loadSigner, signerFromPem, generateSigningKey, TrustedKeys, type Signer } from './signing.js';
export { verifyAudit, type VerifyReport, type VerifyProblem } from './verify.js';
export { parseFilter, FilterError } from './query.js';
export { applyRetention, eraseSubject, appendAdminEvent } from './retention.js';
export { storeSink } from './sinks/store.js';
export { storeWorkerSink } from './sinks/store-worker.js';
export { jsonlSink } from './sinks/jsonl.js';
// s3Sink (./sinks/s3.js) and otelSink (./sinks/otel.js) are imported directly, and only when configured: they load
// the AWS SDK and the OpenTelemetry API.
export type { Sink, RecordBatch, AuditEventInput, InvocationRecord, ContentPolicy, PrincipalSummary } from './types.js';
