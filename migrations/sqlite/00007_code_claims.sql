-- +goose Up
-- The SQLite twin of postgres/00007_code_claims.sql (SQLite has no UNLOGGED).
CREATE TABLE code_claims (
    code_hash     BLOB PRIMARY KEY,
    claimed_at    DATETIME NOT NULL,
    done_at       DATETIME,
    user_id       TEXT,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    result        BLOB,
    result_key_id INTEGER
);

-- +goose Down
DROP TABLE code_claims;
