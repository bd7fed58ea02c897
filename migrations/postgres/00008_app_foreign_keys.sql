-- +goose Up
-- Every login session and phone binding named its app through a foreign
-- key, so every login and every bind took a KEY SHARE lock on the app's one
-- row: thousands a second on the same row, queued through MultiXacts (the
-- most expensive of the login's foreign-key checks). The identity a
-- session or binding belongs to already references the app, which keeps
-- an app with users from being deleted.
ALTER TABLE login_sessions DROP CONSTRAINT login_sessions_app_id_fkey;
ALTER TABLE phone_bindings DROP CONSTRAINT phone_bindings_app_id_fkey;

-- +goose Down
ALTER TABLE phone_bindings ADD CONSTRAINT phone_bindings_app_id_fkey FOREIGN KEY (app_id) REFERENCES apps (app_id);
ALTER TABLE login_sessions ADD CONSTRAINT login_sessions_app_id_fkey FOREIGN KEY (app_id) REFERENCES apps (app_id);
