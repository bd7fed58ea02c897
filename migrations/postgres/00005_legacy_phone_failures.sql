-- +goose Up
-- Failed decryptions of legacy phone data, per mini program and WeChat user:
-- at most five a day, so the endpoint can never serve as a padding oracle.
-- The subject is a keyed hash of the openid, not the openid: the budget
-- outlives re-logins, session key rotations and the user's erasure, and the
-- table names no one.
CREATE TABLE legacy_phone_failures (
    id        BIGSERIAL PRIMARY KEY,
    app_id    TEXT NOT NULL,
    subject   BYTEA NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX legacy_phone_failures_subject_idx ON legacy_phone_failures (app_id, subject, failed_at);
CREATE INDEX legacy_phone_failures_failed_idx ON legacy_phone_failures (failed_at);

-- The per-key cap this replaces; the budget above holds across keys.
ALTER TABLE session_keys DROP COLUMN decrypt_failures;

-- +goose Down
ALTER TABLE session_keys ADD COLUMN decrypt_failures INTEGER NOT NULL DEFAULT 0;
DROP TABLE legacy_phone_failures;
