-- +goose Up
-- The whole data model in one step: later features add indexes, not tables
-- with new shapes. Lists of millions of rows are read newest first through
-- (created_at DESC, id DESC) keys, never with OFFSET or COUNT(*).

CREATE TABLE apps (
    app_id            TEXT PRIMARY KEY,
    name              TEXT NOT NULL DEFAULT '',
    secret_ciphertext BYTEA NOT NULL,           -- AppSecret, AES-GCM sealed
    secret_key_id     BIGINT NOT NULL,          -- which MPAUTH_SECRET_KEY sealed it
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,            -- UUIDv7: time-ordered, not guessable as a count
    nickname       TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    blocked_reason TEXT NOT NULL DEFAULT '',
    blocked_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at  TIMESTAMPTZ
);
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
CREATE INDEX users_status_created_idx ON users (status, created_at DESC, id DESC);

CREATE TABLE wechat_identities (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES apps (app_id),
    openid        TEXT NOT NULL,
    unionid       TEXT,
    user_id       UUID NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT wechat_identities_app_openid_key UNIQUE (app_id, openid)
);
CREATE INDEX wechat_identities_unionid_idx ON wechat_identities (unionid) WHERE unionid IS NOT NULL;
CREATE INDEX wechat_identities_openid_idx ON wechat_identities (openid);
CREATE INDEX wechat_identities_user_idx ON wechat_identities (user_id);

-- One row per identity: the key WeChat gave at the last login and the one
-- before it, because wx.login in the phone button's callback rotates the key
-- after the ciphertext was made (the rotation trap).
CREATE TABLE session_keys (
    identity_id          BIGINT PRIMARY KEY REFERENCES wechat_identities (id) ON DELETE CASCADE,
    current_ciphertext   BYTEA NOT NULL,
    current_key_id       BIGINT NOT NULL,
    current_issued_at    TIMESTAMPTZ NOT NULL,
    previous_ciphertext  BYTEA,
    previous_key_id      BIGINT,
    previous_issued_at   TIMESTAMPTZ,
    decrypt_failures     INT NOT NULL DEFAULT 0,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The current phone per user. phone_e164 is unique so one number is never
-- silently bound to two users.
CREATE TABLE phone_bindings (
    user_id      UUID PRIMARY KEY REFERENCES users (id),
    phone_e164   TEXT NOT NULL,
    country_code TEXT NOT NULL,
    pure_number  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('code', 'encrypted')),
    app_id       TEXT NOT NULL REFERENCES apps (app_id),
    bound_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT phone_bindings_phone_key UNIQUE (phone_e164)
);
CREATE INDEX phone_bindings_bound_idx ON phone_bindings (bound_at DESC, user_id DESC);

CREATE TABLE phone_binding_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id),
    event          TEXT NOT NULL CHECK (event IN ('bind', 'replace', 'unbind')),
    phone_e164     TEXT NOT NULL,
    previous_e164  TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL,
    actor          TEXT NOT NULL DEFAULT 'user',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX phone_binding_events_user_idx ON phone_binding_events (user_id, created_at DESC, id DESC);

-- Our login tokens. Only the SHA-256 of a token is stored: a database leak
-- does not hand out sessions.
CREATE TABLE login_sessions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash     BYTEA NOT NULL,
    user_id        UUID NOT NULL REFERENCES users (id),
    identity_id    BIGINT NOT NULL REFERENCES wechat_identities (id),
    app_id         TEXT NOT NULL REFERENCES apps (app_id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    CONSTRAINT login_sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX login_sessions_user_active_idx ON login_sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;

-- One row per login or phone attempt, success or failure. Append-only.
CREATE TABLE login_audit (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    app_id         TEXT NOT NULL DEFAULT '',
    user_id        UUID,
    event          TEXT NOT NULL,              -- login, phone_code, phone_encrypted, logout
    result         TEXT NOT NULL CHECK (result IN ('success', 'failure')),
    wechat_errcode INT,
    error_code     TEXT NOT NULL DEFAULT '',   -- our stable error code
    reason         TEXT NOT NULL DEFAULT '',   -- the precise cause; never shown to clients
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_audit_created_idx ON login_audit (created_at DESC, id DESC);
CREATE INDEX login_audit_user_idx ON login_audit (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;

CREATE TABLE admin_users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at   TIMESTAMPTZ,
    disabled_at     TIMESTAMPTZ,
    CONSTRAINT admin_users_username_key UNIQUE (username)
);

CREATE TABLE admin_audit (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    admin_id     BIGINT REFERENCES admin_users (id),
    admin_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_audit_created_idx ON admin_audit (created_at DESC, id DESC);

-- Server-side admin sessions (gin-contrib/sessions store). Only a hash of the
-- session id is stored.
CREATE TABLE admin_sessions (
    id_hash      BYTEA PRIMARY KEY,
    admin_id     BIGINT REFERENCES admin_users (id) ON DELETE CASCADE,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

-- The shared WeChat access token, one per app, so every instance uses one
-- token instead of invalidating each other's.
CREATE TABLE access_tokens (
    app_id            TEXT PRIMARY KEY REFERENCES apps (app_id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    token_ciphertext  BYTEA NOT NULL,
    token_key_id      BIGINT NOT NULL,
    fetched_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    refreshes         BIGINT NOT NULL DEFAULT 0
);

-- Paid getuserphonenumber successes per app and day (WeChat bills them once
-- the free quota is spent).
CREATE TABLE phone_verifications_daily (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    day    DATE NOT NULL,
    count  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day)
);

-- The audit logs are evidence: rows may be deleted by retention, never edited.
-- +goose StatementBegin
CREATE FUNCTION mpauth_reject_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER login_audit_append_only BEFORE UPDATE ON login_audit
    FOR EACH ROW EXECUTE FUNCTION mpauth_reject_update();
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION mpauth_reject_update();

-- +goose Down
DROP TABLE phone_verifications_daily, access_tokens, admin_sessions, admin_audit, admin_users,
    login_audit, login_sessions, phone_binding_events, phone_bindings, session_keys,
    wechat_identities, users, apps;
DROP FUNCTION mpauth_reject_update();
