-- +goose Up
-- The SQLite twin of postgres/00004_phone_verification_shards.sql. SQLite
-- cannot change a primary key in place, so the table is rebuilt.
CREATE TABLE phone_verifications_daily_sharded (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    day    TEXT NOT NULL,
    shard  INTEGER NOT NULL DEFAULT 0,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day, shard)
);
INSERT INTO phone_verifications_daily_sharded (app_id, day, shard, count)
    SELECT app_id, day, 0, count FROM phone_verifications_daily;
DROP TABLE phone_verifications_daily;
ALTER TABLE phone_verifications_daily_sharded RENAME TO phone_verifications_daily;

-- +goose Down
CREATE TABLE phone_verifications_daily_folded (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    day    TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day)
);
INSERT INTO phone_verifications_daily_folded (app_id, day, count)
    SELECT app_id, day, SUM(count) FROM phone_verifications_daily GROUP BY app_id, day;
DROP TABLE phone_verifications_daily;
ALTER TABLE phone_verifications_daily_folded RENAME TO phone_verifications_daily;
