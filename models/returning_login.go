package models

import (
	"context"
	"errors"
	"time"
)

// ErrNotSupported: the database cannot do this; the caller has another way.
var ErrNotSupported = errors.New("not supported by this database")

// WritesInOneStatement reports whether a flow's writes can go in one
// data-modifying WITH statement (PostgreSQL) rather than a transaction
// (SQLite has no data-modifying CTEs).
func (s *Store) WritesInOneStatement() bool { return s.dialect == Postgres }

// ReturningLoginSQL is a returning user's whole login on PostgreSQL, one
// statement: it finds the identity of (app, openid) with an active user and
// writes identity and user login times, the session key, the login
// session and the audit row. It answers
// the identity, its user and whether a phone is bound; no row when the
// login is not a returning active user's (a first login, a blocked user),
// and then it wrote nothing. Exported so that the bench's floor sends
// exactly this. It goes to the driver as it is (see queryRow), with
// PostgreSQL's numbered placeholders: $1 login time, $2 unionid (NULL:
// keep), $3 appid, $4 openid, $5 sealed key, $6 key id, $7 key fingerprint,
// $8 token hash, $9 expiry, $10 IP, $11 user agent, $12 audit event, $13
// request id.
const ReturningLoginSQL = `WITH ident AS (
	UPDATE wechat_identities i SET last_login_at = $1, unionid = COALESCE($2, i.unionid)
	FROM users u
	WHERE i.app_id = $3 AND i.openid = $4 AND u.id = i.user_id AND u.status = 'active'
	RETURNING i.id, i.user_id
), usr AS (
	UPDATE users SET last_login_at = $1 FROM ident WHERE users.id = ident.user_id
), sk AS (
	INSERT INTO session_keys
		(identity_id, current_ciphertext, current_key_id, current_issued_at, current_fingerprint, updated_at)
	SELECT id, $5::bytea, $6::bigint, $1::timestamptz, $7::bytea, $1::timestamptz FROM ident
	` + onSessionKeyConflict + `
), ls AS (
	INSERT INTO login_sessions
		(token_hash, user_id, identity_id, app_id, created_at, last_seen_at, expires_at, revoked_reason, ip, user_agent)
	SELECT $8::bytea, user_id, id, $3::text, $1::timestamptz, $1::timestamptz,
		$9::timestamptz, '', $10::text, $11::text FROM ident
), audit AS (
	INSERT INTO login_audit
		(created_at, app_id, user_id, event, result, wechat_errcode, error_code, reason, ip, user_agent, request_id)
	SELECT $1::timestamptz, $3::text, user_id, $12::text, 'success', NULL, '', '',
		$10::text, $11::text, $13::text FROM ident
)
SELECT ident.id, ident.user_id, EXISTS (SELECT 1 FROM phone_bindings p WHERE p.user_id = ident.user_id) FROM ident`

// ReturningLogin is everything a returning user's login writes.
type ReturningLogin struct {
	AppID, OpenID string
	UnionID       string // recorded when WeChat sends one; never cleared
	SessionKey    string
	Session       LoginSession // its IdentityID and UserID come from the identity found
	Audit         LoginAudit
	At            time.Time
}

// ReturningLogged is what a returning login found.
type ReturningLogged struct {
	IdentityID int64
	UserID     string
	PhoneBound bool
}

// RecordReturningLogin writes a returning user's login as one statement
// (ReturningLoginSQL), so it is atomic without BEGIN and COMMIT: 1 round
// trip instead of 8. ok is false when (app, openid) is not a returning
// active user's; nothing was written then, and the caller takes the
// transactional path, which gives the right answer (a first login, a
// blocked user).
func (s *Store) RecordReturningLogin(ctx context.Context, l ReturningLogin) (found ReturningLogged, ok bool, err error) {
	if !s.WritesInOneStatement() {
		return found, false, ErrNotSupported
	}
	aad := sessionKeyAAD(l.AppID, l.OpenID)
	ct, kid, err := s.keys.Seal([]byte(l.SessionKey), aad)
	if err != nil {
		return found, false, err
	}
	fp := s.keys.Fingerprint([]byte(l.SessionKey), aad)
	ls, a := l.Session, l.Audit
	ok, err = s.queryRow(ctx, ReturningLoginSQL, []any{
		l.At, nullIfEmpty(l.UnionID), l.AppID, l.OpenID, ct, kid, fp, ls.TokenHash,
		ls.ExpiresAt, ls.IP, ls.UserAgent, a.Event, a.RequestID,
	}, &found.IdentityID, &found.UserID, &found.PhoneBound)
	return found, ok, translate(err)
}
