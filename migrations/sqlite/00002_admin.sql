-- +goose Up
-- The SQLite twin of postgres/00002_admin.sql. SQLite has no trigram index:
-- a phone substring search scans phone_bindings, which is fine for the
-- development database this is.
CREATE INDEX phone_bindings_last4_idx ON phone_bindings (substr(pure_number, -4), bound_at DESC, user_id DESC);
CREATE INDEX phone_binding_events_created_idx ON phone_binding_events (created_at, event);

CREATE INDEX login_audit_event_idx ON login_audit (event, created_at DESC, result);
CREATE INDEX login_audit_ip_idx ON login_audit (ip, created_at DESC, id DESC);
CREATE INDEX login_audit_app_idx ON login_audit (app_id, created_at DESC, id DESC);
CREATE INDEX login_audit_failure_idx ON login_audit (created_at DESC, id DESC, wechat_errcode) WHERE result = 'failure';
CREATE INDEX login_audit_errcode_idx ON login_audit (wechat_errcode, created_at DESC, id DESC) WHERE wechat_errcode IS NOT NULL;
CREATE INDEX login_audit_error_code_idx ON login_audit (error_code, created_at DESC, id DESC) WHERE error_code <> '';

CREATE INDEX admin_audit_target_idx ON admin_audit (target_type, target_id, created_at DESC, id DESC);
CREATE INDEX admin_audit_ip_idx ON admin_audit (ip, created_at DESC, id DESC);
CREATE INDEX admin_audit_admin_idx ON admin_audit (admin_id, created_at DESC, id DESC);
CREATE INDEX admin_audit_action_idx ON admin_audit (action, created_at DESC, id DESC);

-- +goose Down
DROP INDEX admin_audit_action_idx;
DROP INDEX admin_audit_admin_idx;
DROP INDEX admin_audit_ip_idx;
DROP INDEX admin_audit_target_idx;
DROP INDEX login_audit_error_code_idx;
DROP INDEX login_audit_errcode_idx;
DROP INDEX login_audit_failure_idx;
DROP INDEX login_audit_app_idx;
DROP INDEX login_audit_ip_idx;
DROP INDEX login_audit_event_idx;
DROP INDEX phone_binding_events_created_idx;
DROP INDEX phone_bindings_last4_idx;
