-- jknrules tracking store, schema 1 (PostgreSQL). Keep in step with 0001_events_alerts.sqlite.sql.
CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    at_epoch BIGINT NOT NULL,
    actor TEXT NOT NULL,
    regency TEXT,
    case_json TEXT,
    result_json TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX events_case ON events (case_id, seq);
CREATE TABLE alerts (
    idempotency_key TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    alert TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    at_epoch BIGINT NOT NULL,
    due TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX alerts_at ON alerts (at_epoch);
