-- +goose Up
-- One row per wx.login code or phone code being exchanged, shared by every
-- instance: the first request to insert it exchanges the code with WeChat
-- (which answers a code only once), and the others, on whatever instance,
-- wait for its answer. The code itself is never stored, only a hash of it.
-- Rows live minutes; UNLOGGED spares the WAL, and a crash that empties the
-- table only turns a later retry into WeChat's "code used" (invalid_code).
-- Every login inserts a row and updates it once: half-empty pages keep that
-- update on the row's page (a HOT update, no index write), and the janitor's
-- minutely sweep scans the few minutes of rows rather than index them.
CREATE UNLOGGED TABLE code_claims (
    code_hash     BYTEA PRIMARY KEY,
    claimed_at    TIMESTAMPTZ NOT NULL,
    done_at       TIMESTAMPTZ,
    user_id       TEXT,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    result        BYTEA,
    result_key_id BIGINT
) WITH (fillfactor = 50);

-- +goose Down
DROP TABLE code_claims;
