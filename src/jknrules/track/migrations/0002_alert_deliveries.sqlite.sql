-- jknrules tracking store, schema 2 (SQLite): the alerts delivered to each webhook target
-- (a SHA-256 of its URL, never the URL). Keep in step with 0002_alert_deliveries.postgresql.sql.
CREATE TABLE alert_deliveries (
    idempotency_key TEXT NOT NULL,
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (idempotency_key, target)
);
CREATE INDEX events_regency ON events (regency, case_id);
