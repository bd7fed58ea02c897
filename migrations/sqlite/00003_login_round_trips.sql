-- +goose Up
-- The SQLite twin of postgres/00003_login_round_trips.sql.
ALTER TABLE session_keys ADD COLUMN current_fingerprint BLOB;
-- +goose Down
ALTER TABLE session_keys DROP COLUMN current_fingerprint;
