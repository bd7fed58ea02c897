-- +goose Up
-- The SQLite twin of postgres/00008_app_foreign_keys.sql: nothing to do.
-- SQLite takes no row locks for a foreign key, and dropping one would mean
-- rebuilding the table.
SELECT 1;

-- +goose Down
SELECT 1;
