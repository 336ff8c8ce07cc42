-- jknrules tracking store, schema 4 (PostgreSQL). Keep in step with 0004_events_time_index.sqlite.sql.
-- The events in time order (the monitor's rebuild: Store.events(in_time_order=True)) a page
-- at a time by index, not by sorting every event for each page.
CREATE INDEX events_time ON events (at_epoch, seq);
