-- +goose Up
-- The SQLite twin of postgres/00001_schema.sql: same tables and keys, with
-- TEXT for UUIDs, BLOB for bytes, and triggers in SQLite's dialect.

CREATE TABLE apps (
    app_id            TEXT PRIMARY KEY,
    name              TEXT NOT NULL DEFAULT '',
    secret_ciphertext BLOB NOT NULL,
    secret_key_id     INTEGER NOT NULL,
    created_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    nickname       TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    blocked_reason TEXT NOT NULL DEFAULT '',
    blocked_at     DATETIME,
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at  DATETIME
);
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
CREATE INDEX users_status_created_idx ON users (status, created_at DESC, id DESC);

CREATE TABLE wechat_identities (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id        TEXT NOT NULL REFERENCES apps (app_id),
    openid        TEXT NOT NULL,
    unionid       TEXT,
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT wechat_identities_app_openid_key UNIQUE (app_id, openid)
);
CREATE INDEX wechat_identities_unionid_idx ON wechat_identities (unionid) WHERE unionid IS NOT NULL;
CREATE INDEX wechat_identities_openid_idx ON wechat_identities (openid);
CREATE INDEX wechat_identities_user_idx ON wechat_identities (user_id);

CREATE TABLE session_keys (
    identity_id          INTEGER PRIMARY KEY REFERENCES wechat_identities (id) ON DELETE CASCADE,
    current_ciphertext   BLOB NOT NULL,
    current_key_id       INTEGER NOT NULL,
    current_issued_at    DATETIME NOT NULL,
    previous_ciphertext  BLOB,
    previous_key_id      INTEGER,
    previous_issued_at   DATETIME,
    decrypt_failures     INTEGER NOT NULL DEFAULT 0,
    updated_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE phone_bindings (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    phone_e164   TEXT NOT NULL,
    country_code TEXT NOT NULL,
    pure_number  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('code', 'encrypted')),
    app_id       TEXT NOT NULL REFERENCES apps (app_id),
    bound_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT phone_bindings_phone_key UNIQUE (phone_e164)
);
CREATE INDEX phone_bindings_bound_idx ON phone_bindings (bound_at DESC, user_id DESC);

CREATE TABLE phone_binding_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        TEXT NOT NULL REFERENCES users (id),
    event          TEXT NOT NULL CHECK (event IN ('bind', 'replace', 'unbind')),
    phone_e164     TEXT NOT NULL,
    previous_e164  TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL,
    actor          TEXT NOT NULL DEFAULT 'user',
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX phone_binding_events_user_idx ON phone_binding_events (user_id, created_at DESC, id DESC);

CREATE TABLE login_sessions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash     BLOB NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id),
    identity_id    INTEGER NOT NULL REFERENCES wechat_identities (id),
    app_id         TEXT NOT NULL REFERENCES apps (app_id),
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at     DATETIME NOT NULL,
    revoked_at     DATETIME,
    revoked_reason TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    CONSTRAINT login_sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX login_sessions_user_active_idx ON login_sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;

CREATE TABLE login_audit (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    app_id         TEXT NOT NULL DEFAULT '',
    user_id        TEXT,
    event          TEXT NOT NULL,
    result         TEXT NOT NULL CHECK (result IN ('success', 'failure')),
    wechat_errcode INTEGER,
    error_code     TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_audit_created_idx ON login_audit (created_at DESC, id DESC);
CREATE INDEX login_audit_user_idx ON login_audit (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;

CREATE TABLE admin_users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at   DATETIME,
    disabled_at     DATETIME,
    CONSTRAINT admin_users_username_key UNIQUE (username)
);

CREATE TABLE admin_audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    admin_id     INTEGER REFERENCES admin_users (id),
    admin_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_audit_created_idx ON admin_audit (created_at DESC, id DESC);

CREATE TABLE admin_sessions (
    id_hash      BLOB PRIMARY KEY,
    admin_id     INTEGER REFERENCES admin_users (id) ON DELETE CASCADE,
    data         BLOB NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

CREATE TABLE access_tokens (
    app_id            TEXT PRIMARY KEY REFERENCES apps (app_id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    token_ciphertext  BLOB NOT NULL,
    token_key_id      INTEGER NOT NULL,
    fetched_at        DATETIME NOT NULL,
    expires_at        DATETIME NOT NULL,
    refreshes         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE phone_verifications_daily (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    day    TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day)
);

-- +goose StatementBegin
CREATE TRIGGER login_audit_append_only BEFORE UPDATE ON login_audit
BEGIN
    SELECT RAISE(ABORT, 'login_audit is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE ON admin_audit
BEGIN
    SELECT RAISE(ABORT, 'admin_audit is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE phone_verifications_daily;
DROP TABLE access_tokens;
DROP TABLE admin_sessions;
DROP TABLE admin_audit;
DROP TABLE admin_users;
DROP TABLE login_audit;
DROP TABLE login_sessions;
DROP TABLE phone_binding_events;
DROP TABLE phone_bindings;
DROP TABLE session_keys;
DROP TABLE wechat_identities;
DROP TABLE users;
DROP TABLE apps;
