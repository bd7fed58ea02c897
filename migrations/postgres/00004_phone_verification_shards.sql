-- +goose Up
-- Every paid phone verification used to add one to a single row per app and
-- day, so concurrent binds queued on that row's lock for the length of a
-- commit. The day's count is now spread over a few rows (shards) per app,
-- picked at random by each bind, and summed when read.
ALTER TABLE phone_verifications_daily ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE phone_verifications_daily
    DROP CONSTRAINT phone_verifications_daily_pkey,
    ADD PRIMARY KEY (app_id, day, shard);

-- +goose Down
CREATE TEMPORARY TABLE phone_verifications_folded AS
    SELECT app_id, day, SUM(count)::BIGINT AS count FROM phone_verifications_daily GROUP BY app_id, day;
DELETE FROM phone_verifications_daily;
ALTER TABLE phone_verifications_daily
    DROP CONSTRAINT phone_verifications_daily_pkey,
    DROP COLUMN shard,
    ADD PRIMARY KEY (app_id, day);
INSERT INTO phone_verifications_daily (app_id, day, count) SELECT app_id, day, count FROM phone_verifications_folded;
DROP TABLE phone_verifications_folded;
