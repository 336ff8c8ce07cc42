-- jknrules tracking store, schema 3 (SQLite). Keep in step with 0003_alert_case_index.postgresql.sql.
-- A case's alerts (`track status`, Store.alerts(case_id=...)) by index, not by a scan of every alert.
CREATE INDEX alerts_case ON alerts (case_id, at_epoch);
