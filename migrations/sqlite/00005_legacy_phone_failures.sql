-- +goose Up
-- The SQLite twin of postgres/00005_legacy_phone_failures.sql.
CREATE TABLE legacy_phone_failures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id    TEXT NOT NULL,
    subject   BLOB NOT NULL,
    failed_at DATETIME NOT NULL
);
CREATE INDEX legacy_phone_failures_subject_idx ON legacy_phone_failures (app_id, subject, failed_at);
CREATE INDEX legacy_phone_failures_failed_idx ON legacy_phone_failures (failed_at);

ALTER TABLE session_keys DROP COLUMN decrypt_failures;

-- +goose Down
ALTER TABLE session_keys ADD COLUMN decrypt_failures INTEGER NOT NULL DEFAULT 0;
DROP TABLE legacy_phone_failures;
