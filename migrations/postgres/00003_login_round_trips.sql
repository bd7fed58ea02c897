-- +goose Up
-- A keyed fingerprint of the current session_key lets one INSERT … ON
-- CONFLICT DO UPDATE decide in the database whether WeChat rotated the key
-- (shift current to previous) or sent the same one again (keep previous),
-- instead of a SELECT … FOR UPDATE, a decryption and a second statement.
-- Rows written before this migration have none; their next login shifts
-- once, which only makes previous equal to current.
ALTER TABLE session_keys ADD COLUMN current_fingerprint BYTEA;
-- +goose Down
ALTER TABLE session_keys DROP COLUMN current_fingerprint;
