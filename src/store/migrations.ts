/**
 * Numbered schema migrations, kept in code so a build always carries the schema it expects. Each migration holds
 * one SQL script per dialect; the runner records applied versions in `schema_migrations`.
 *
 * To add one: append an entry with the next version number. Never edit or reorder an entry that has shipped: a
 * database that already applied it would silently differ from a fresh one.
 *
 * Conventions: SQLite stores instants as INTEGER milliseconds since the epoch and lists as JSON text; PostgreSQL
 * uses timestamptz (microsecond precision, so JavaScript milliseconds round-trip exactly) and text[].
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api keys, request log, kv, changes',
    sqlite: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT,
        created_by TEXT,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        roles TEXT NOT NULL,
        team TEXT,
        application TEXT,
        allowed_networks TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER,
        revoked_at INTEGER,
        grace_until INTEGER,
        replaced_by TEXT
      );
      CREATE INDEX api_keys_application ON api_keys (application);
      CREATE INDEX api_keys_created_at ON api_keys (created_at);

      CREATE TABLE request_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        time INTEGER NOT NULL,
        client_api TEXT NOT NULL,
        operation TEXT NOT NULL,
        model TEXT,
        deployment TEXT,
        principal_id TEXT,
        source_ip TEXT NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        latency_ms REAL NOT NULL,
        first_byte_ms REAL,
        stream INTEGER NOT NULL,
        truncated INTEGER
      );
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_request_id ON request_log (request_id);

      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Cross-process change notifications: other processes poll for rows with a higher seq.
      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        origin TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX changes_at ON changes (at);
    `,
    postgres: `
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        owner text,
        created_by text,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        roles text[] NOT NULL,
        team text,
        application text,
        allowed_networks text[],
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        grace_until timestamptz,
        replaced_by text
      );
      CREATE INDEX api_keys_application ON api_keys (application);
      CREATE INDEX api_keys_created_at ON api_keys (created_at);

      CREATE TABLE request_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id text NOT NULL,
        time timestamptz NOT NULL,
        client_api text NOT NULL,
        operation text NOT NULL,
        model text,
        deployment text,
        principal_id text,
        source_ip text NOT NULL,
        status integer NOT NULL,
        error_code text,
        input_tokens integer,
        output_tokens integer,
        latency_ms double precision NOT NULL,
        first_byte_ms double precision,
        stream boolean NOT NULL,
        truncated boolean
      );
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_request_id ON request_log (request_id);

      CREATE TABLE kv (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      -- No changes table: PostgreSQL delivers notifications with LISTEN/NOTIFY.
    `,
  },
  {
    version: 2,
    name: 'invocation records, audit chain, digests, subject keys, locks',
    sqlite: `
      CREATE TABLE invocation_records (
        request_id TEXT PRIMARY KEY,
        time INTEGER NOT NULL,
        instance_id TEXT NOT NULL,
        action TEXT NOT NULL,
        principal_id TEXT,
        application TEXT,
        model TEXT,
        status INTEGER,
        error_code TEXT,
        decision TEXT,
        guardrail_action TEXT,
        subject TEXT,
        hash TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX invocation_records_time ON invocation_records (time);
      CREATE INDEX invocation_records_principal ON invocation_records (principal_id, time);
      CREATE INDEX invocation_records_application ON invocation_records (application, time);

      CREATE TABLE audit_events (
        instance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        time INTEGER NOT NULL,
        event_name TEXT NOT NULL,
        principal_id TEXT,
        application TEXT,
        decision TEXT,
        error_code TEXT,
        read_only INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq)
      );
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE INDEX audit_events_principal ON audit_events (principal_id, time);

      CREATE TABLE audit_digests (
        seq INTEGER PRIMARY KEY,
        time INTEGER NOT NULL,
        key_fingerprint TEXT NOT NULL,
        body TEXT NOT NULL,
        signature TEXT NOT NULL
      );

      CREATE TABLE subject_keys (
        subject TEXT NOT NULL,
        key_id TEXT NOT NULL,
        wrapped TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (subject, key_id)
      );

      -- Leases standing in for PostgreSQL advisory locks: one digest / retention writer at a time.
      CREATE TABLE record_locks (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until INTEGER NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE invocation_records (
        request_id text PRIMARY KEY,
        time timestamptz NOT NULL,
        instance_id text NOT NULL,
        action text NOT NULL,
        principal_id text,
        application text,
        model text,
        status integer,
        error_code text,
        decision text,
        guardrail_action text,
        subject text,
        hash text NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX invocation_records_time ON invocation_records (time);
      CREATE INDEX invocation_records_principal ON invocation_records (principal_id, time);
      CREATE INDEX invocation_records_application ON invocation_records (application, time);

      CREATE TABLE audit_events (
        instance_id text NOT NULL,
        seq bigint NOT NULL,
        event_id text NOT NULL,
        time timestamptz NOT NULL,
        event_name text NOT NULL,
        principal_id text,
        application text,
        decision text,
        error_code text,
        read_only boolean NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (instance_id, seq)
      );
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE INDEX audit_events_principal ON audit_events (principal_id, time);

      CREATE TABLE audit_digests (
        seq bigint PRIMARY KEY,
        time timestamptz NOT NULL,
        key_fingerprint text NOT NULL,
        body text NOT NULL,
        signature text NOT NULL
      );

      CREATE TABLE subject_keys (
        subject text NOT NULL,
        key_id text NOT NULL,
        wrapped text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (subject, key_id)
      );
      -- No lock table: PostgreSQL has advisory locks.
    `,
  },
  {
    version: 3,
    name: 'governance: catalog, applications, approvals, assessments',
    sqlite: `
      CREATE TABLE governance_docs (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
      );

      CREATE TABLE governance_assessments (
        id TEXT PRIMARY KEY,
        time INTEGER NOT NULL,
        application TEXT,
        model TEXT,
        body TEXT NOT NULL
      );
      CREATE INDEX governance_assessments_time ON governance_assessments (time);
      CREATE INDEX governance_assessments_application ON governance_assessments (application, time);
      CREATE INDEX governance_assessments_model ON governance_assessments (model, time);
    `,
    postgres: `
      CREATE TABLE governance_docs (
        kind text NOT NULL,
        id text NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (kind, id)
      );

      CREATE TABLE governance_assessments (
        id text PRIMARY KEY,
        time timestamptz NOT NULL,
        application text,
        model text,
        body text NOT NULL
      );
      CREATE INDEX governance_assessments_time ON governance_assessments (time);
      CREATE INDEX governance_assessments_application ON governance_assessments (application, time);
      CREATE INDEX governance_assessments_model ON governance_assessments (model, time);
    `,
  },
  {
    version: 4,
    name: 'guardrails created through the admin API',
    // version 0 is the DRAFT (replaced in place); 1.. are the immutable snapshots. Every guardrail has a row 0, so
    // the primary key also refuses a second guardrail with the same id.
    sqlite: `
      CREATE TABLE guardrails (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        definition TEXT NOT NULL,
        description TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (id, version)
      );
    `,
    postgres: `
      CREATE TABLE guardrails (
        id text NOT NULL,
        version integer NOT NULL,
        definition text NOT NULL,
        description text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (id, version)
      );
    `,
  },
];

/** Throws when versions are not strictly increasing from 1 with no gaps; a gap usually means a merge mistake. */
export function checkMigrations(list: readonly Migration[] = MIGRATIONS): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration #${i} has version ${m.version}; expected ${i + 1} (numbered 1.., no gaps)`);
    }
  });
}

/** Migrations not yet applied, in order. Fails closed when the database is newer than this build. */
export function pendingMigrations(applied: readonly number[], list: readonly Migration[] = MIGRATIONS): Migration[] {
  checkMigrations(list);
  const newest = list.length;
  const unknown = applied.filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new Error(
      `the database has schema version ${Math.max(...unknown)} but this build knows only up to ${newest}; ` +
        'upgrade Rampart instead of running an older build against a newer database',
    );
  }
  const done = new Set(applied);
  return list.filter((m) => !done.has(m.version));
}
