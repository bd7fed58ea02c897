-- +goose Up
-- Limits that hold for the whole deployment rather than per instance (paid
-- phone verifications per user, a viewer's phone searches): one row per
-- limited key, holding its token bucket as GCRA's "theoretical arrival time"
-- in Unix nanoseconds, so that taking a token is one statement.
CREATE TABLE rate_limits (
    name TEXT PRIMARY KEY,
    tat  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
