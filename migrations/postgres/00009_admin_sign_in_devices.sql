-- +goose Up
-- The browser a sign-in came from, when it had signed in to that account
-- before: a short keyed hash of its device cookie. Failures from such a
-- browser are counted apart from everyone else's, so an attacker's wrong
-- guesses never lock the real admin out (OWASP's device cookies).
ALTER TABLE admin_audit ADD COLUMN device TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE admin_audit DROP COLUMN device;
