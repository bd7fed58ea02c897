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

// LoginCandidate is what a returning user's login reads before it writes.
type LoginCandidate struct {
	IdentityID int64
	UserID     string
	Status     string
	PhoneBound bool
}

// FindLoginCandidate reads the identity of (app, openid) with its user's
// status and whether a phone is bound, in one round trip outside any
// transaction. ErrNotFound: a first login. ErrNotSupported on SQLite, whose
// logins take the transactional path (see RecordReturningLogin).
func (s *Store) FindLoginCandidate(ctx context.Context, appID, openID string) (LoginCandidate, error) {
	if !s.WritesInOneStatement() {
		return LoginCandidate{}, ErrNotSupported
	}
	var c LoginCandidate
	found, err := s.queryRow(ctx, LoginCandidateSQL, []any{appID, openID}, &c.IdentityID, &c.UserID, &c.Status, &c.PhoneBound)
	if err != nil {
		return LoginCandidate{}, translate(err)
	}
	if !found {
		return LoginCandidate{}, ErrNotFound
	}
	return c, nil
}

// LoginCandidateSQL and ReturningLoginSQL are the two statements of a
// returning user's login on PostgreSQL, exported so that the bench's floor
// sends exactly these. They go to the driver as they are (see queryRaw), so
// they use PostgreSQL's numbered placeholders. Parameters: appid, openid;
// and $1 login time, $2 unionid (NULL: keep), $3 identity id, $4 user id,
// $5 sealed key, $6 key id, $7 key fingerprint, $8 token hash, $9 appid,
// $10 expiry, $11 IP, $12 user agent, $13 audit event, $14 audit result,
// $15 audit IP, $16 audit user agent, $17 request id.
const LoginCandidateSQL = `SELECT i.id AS identity_id, i.user_id, u.status,
	EXISTS (SELECT 1 FROM phone_bindings p WHERE p.user_id = u.id) AS phone_bound
FROM wechat_identities i JOIN users u ON u.id = i.user_id
WHERE i.app_id = $1 AND i.openid = $2`

const ReturningLoginSQL = `WITH ident AS (
	UPDATE wechat_identities i SET last_login_at = $1, unionid = COALESCE($2, i.unionid)
	FROM users u
	WHERE i.id = $3 AND i.user_id = $4 AND u.id = i.user_id AND u.status = 'active'
	RETURNING i.id, i.user_id
), usr AS (
	UPDATE users SET last_login_at = $1 FROM ident WHERE users.id = ident.user_id
), sk AS (
	INSERT INTO session_keys
		(identity_id, current_ciphertext, current_key_id, current_issued_at, current_fingerprint, decrypt_failures, updated_at)
	SELECT id, $5::bytea, $6::bigint, $1::timestamptz, $7::bytea, 0, $1::timestamptz FROM ident
	` + onSessionKeyConflict + `
), ls AS (
	INSERT INTO login_sessions
		(token_hash, user_id, identity_id, app_id, created_at, last_seen_at, expires_at, revoked_reason, ip, user_agent)
	SELECT $8::bytea, user_id, id, $9::text, $1::timestamptz, $1::timestamptz,
		$10::timestamptz, '', $11::text, $12::text FROM ident
), audit AS (
	INSERT INTO login_audit
		(created_at, app_id, user_id, event, result, wechat_errcode, error_code, reason, ip, user_agent, request_id)
	SELECT $1::timestamptz, $9::text, user_id, $13::text, $14::text, NULL, '', '',
		$15::text, $16::text, $17::text FROM ident
)
SELECT id FROM ident`

// ReturningLogin is everything a returning user's login writes.
type ReturningLogin struct {
	Candidate  LoginCandidate
	UnionID    string // recorded when WeChat sends one; never cleared
	SessionKey string
	Session    LoginSession // its IdentityID and UserID come from Candidate
	Audit      LoginAudit
	At         time.Time
}

// RecordReturningLogin writes a returning user's login (identity and user
// login times, session key, login session, audit row) as one statement, so
// it is atomic without BEGIN and COMMIT: 1 round trip instead of 7.
//
// It applies only if the candidate still holds: same identity, same user,
// still active. Otherwise it writes nothing and reports false, and the
// caller takes the transactional path, which gives the right answer for
// whatever changed in between (a block, a deleted identity).
func (s *Store) RecordReturningLogin(ctx context.Context, l ReturningLogin) (bool, error) {
	if !s.WritesInOneStatement() {
		return false, ErrNotSupported
	}
	c := l.Candidate
	aad := sessionKeyAAD(c.IdentityID)
	ct, kid, err := s.keys.Seal([]byte(l.SessionKey), aad)
	if err != nil {
		return false, err
	}
	fp := s.keys.Fingerprint([]byte(l.SessionKey), aad)
	ls, a := l.Session, l.Audit
	var applied int64
	found, err := s.queryRow(ctx, ReturningLoginSQL, []any{
		l.At, nullIfEmpty(l.UnionID), c.IdentityID, c.UserID, ct, kid, fp, ls.TokenHash, ls.AppID,
		ls.ExpiresAt, ls.IP, ls.UserAgent, a.Event, a.Result, a.IP, a.UserAgent, a.RequestID,
	}, &applied)
	if err != nil {
		return false, translate(err)
	}
	return found, nil
}
