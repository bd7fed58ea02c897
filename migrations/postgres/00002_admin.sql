-- +goose Up
-- Indexes behind the admin dashboard. Every list is read newest first
-- through a (created_at DESC, id DESC) key, so each filter gets an index that
-- starts with its column and ends with that key: a filtered page is one index
-- range scan, never a sort of the whole table.

-- Phone search. A substring of 4 or more digits is served by trigrams (LIKE
-- '%1380%' is an index scan, not a sequential one); "last 4 digits", the most
-- common query from a support call, gets its own expression index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX phone_bindings_pure_trgm_idx ON phone_bindings USING gin (pure_number gin_trgm_ops);
CREATE INDEX phone_bindings_last4_idx ON phone_bindings (right(pure_number, 4), bound_at DESC, user_id DESC);

-- The overview's bindings per day, counted from the index alone.
CREATE INDEX phone_binding_events_created_idx ON phone_binding_events (created_at) INCLUDE (event);

-- Login audit filters. result is included so the overview counts a day's
-- logins and failures from the index alone.
CREATE INDEX login_audit_event_idx ON login_audit (event, created_at DESC, id DESC) INCLUDE (result);
CREATE INDEX login_audit_ip_idx ON login_audit (ip, created_at DESC, id DESC);
CREATE INDEX login_audit_app_idx ON login_audit (app_id, created_at DESC, id DESC);
-- Failures are a small share of the rows: partial indexes keep them cheap.
-- The errcode rides along for the overview's top errcodes of the week.
CREATE INDEX login_audit_failure_idx ON login_audit (created_at DESC, id DESC) INCLUDE (wechat_errcode) WHERE result = 'failure';
CREATE INDEX login_audit_errcode_idx ON login_audit (wechat_errcode, created_at DESC, id DESC) WHERE wechat_errcode IS NOT NULL;
CREATE INDEX login_audit_error_code_idx ON login_audit (error_code, created_at DESC, id DESC) WHERE error_code <> '';

-- Admin audit filters; (target_type, target_id) and ip also serve the
-- sign-in throttle, which counts recent failures per account and per IP.
CREATE INDEX admin_audit_target_idx ON admin_audit (target_type, target_id, created_at DESC, id DESC);
CREATE INDEX admin_audit_ip_idx ON admin_audit (ip, created_at DESC, id DESC);
CREATE INDEX admin_audit_admin_idx ON admin_audit (admin_id, created_at DESC, id DESC);
CREATE INDEX admin_audit_action_idx ON admin_audit (action, created_at DESC, id DESC);

-- +goose Down
DROP INDEX admin_audit_action_idx, admin_audit_admin_idx, admin_audit_ip_idx, admin_audit_target_idx,
    login_audit_error_code_idx, login_audit_errcode_idx, login_audit_failure_idx, login_audit_app_idx,
    login_audit_ip_idx, login_audit_event_idx, phone_binding_events_created_idx,
    phone_bindings_last4_idx, phone_bindings_pure_trgm_idx;
