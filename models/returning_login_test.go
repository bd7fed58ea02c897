package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
)

func TestReturningLoginIsOneStatementThatAppliesOnlyToWhatWasRead(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	const app = "wx0000000000000001"
	if err := st.UpsertApp(ctx, app, "one", "s1"); err != nil {
		t.Fatal(err)
	}
	u, id := newUserWithIdentity(t, st, app, "oR")

	cand, err := st.FindLoginCandidate(ctx, app, "oR")
	if st.Dialect() == models.SQLite {
		// SQLite logins take the transactional path.
		if !errors.Is(err, models.ErrNotSupported) {
			t.Fatalf("candidate on SQLite: %v, want ErrNotSupported", err)
		}
		if ok, err := st.RecordReturningLogin(ctx, models.ReturningLogin{}); ok || !errors.Is(err, models.ErrNotSupported) {
			t.Fatalf("returning login on SQLite: %v %v, want ErrNotSupported", ok, err)
		}
		return
	}
	if err != nil || cand.IdentityID != id.ID || cand.UserID != u.ID || cand.Status != models.UserActive || cand.PhoneBound {
		t.Fatalf("candidate: %+v %v", cand, err)
	}
	if _, err := st.FindLoginCandidate(ctx, app, "oNOBODY"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("candidate of an unknown openid: %v, want ErrNotFound", err)
	}

	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	login := func(key, request string) (bool, error) {
		return st.RecordReturningLogin(ctx, models.ReturningLogin{
			Candidate: cand, UnionID: "uR", SessionKey: key, At: at,
			Session: models.LoginSession{TokenHash: []byte(request + "-hash-0000000000000000000000"), AppID: app, ExpiresAt: at.Add(time.Hour), IP: "10.0.0.1", UserAgent: "ua"},
			Audit:   models.LoginAudit{AppID: app, Event: models.EventLogin, Result: models.ResultSuccess, IP: "10.0.0.1", UserAgent: "ua", RequestID: request},
		})
	}
	if ok, err := login("a2V5MWtleTFrZXkxa2V5MQ==", "req-1"); !ok || err != nil {
		t.Fatalf("first returning login: %v %v", ok, err)
	}
	if ok, err := login("a2V5MmtleTJrZXkya2V5Mg==", "req-2"); !ok || err != nil {
		t.Fatalf("second returning login: %v %v", ok, err)
	}
	keys, err := st.LoadSessionKeys(ctx, id.ID)
	if err != nil || keys.Current != "a2V5MmtleTJrZXkya2V5Mg==" || keys.Previous != "a2V5MWtleTFrZXkxa2V5MQ==" {
		t.Fatalf("session keys after two logins: current/previous wrong (%v)", err)
	}
	sqlDB, _ := st.SQLDB()
	counts := func() (sessions, audits int, unionID *string, userLogin *time.Time) {
		t.Helper()
		if err := sqlDB.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM login_sessions WHERE identity_id = $1 AND user_id = $2),
			(SELECT count(*) FROM login_audit WHERE user_id = $2 AND event = 'login' AND result = 'success'),
			(SELECT unionid FROM wechat_identities WHERE id = $1),
			(SELECT last_login_at FROM users WHERE id = $2)`, id.ID, u.ID).Scan(&sessions, &audits, &unionID, &userLogin); err != nil {
			t.Fatal(err)
		}
		return
	}
	sessions, audits, unionID, userLogin := counts()
	if sessions != 2 || audits != 2 || unionID == nil || *unionID != "uR" || userLogin == nil || !userLogin.Equal(at) {
		t.Fatalf("after two logins: %d sessions, %d audit rows, unionid %v, user login %v", sessions, audits, unionID, userLogin)
	}

	// A write that fails late in the statement (the login session's token
	// hash is taken) fails it whole: no audit row, no new session key.
	if ok, err := login("a2V5NGtleTRrZXk0a2V5NA==", "req-2"); ok || !errors.Is(err, models.ErrConflict) {
		t.Fatalf("login reusing a token hash: %v %v, want ErrConflict", ok, err)
	}
	if s, a, _, _ := counts(); s != 2 || a != 2 {
		t.Fatalf("a failed returning login wrote %d sessions, %d audit rows", s-2, a-2)
	}
	if keys, _ := st.LoadSessionKeys(ctx, id.ID); keys.Current != "a2V5MmtleTJrZXkya2V5Mg==" {
		t.Fatal("a failed returning login replaced the session key")
	}

	// Blocked between the read and the write: nothing is written.
	if err := st.SetUserStatus(ctx, u.ID, models.UserBlocked, "test"); err != nil {
		t.Fatal(err)
	}
	if ok, err := login("a2V5M2tleTNrZXkza2V5Mw==", "req-3"); ok || err != nil {
		t.Fatalf("login of a user blocked since the read: %v %v, want not applied", ok, err)
	}
	if s, a, _, _ := counts(); s != 2 || a != 2 {
		t.Fatalf("a refused returning login wrote %d sessions, %d audit rows", s-2, a-2)
	}
	if keys, _ := st.LoadSessionKeys(ctx, id.ID); keys.Current != "a2V5MmtleTJrZXkya2V5Mg==" {
		t.Fatal("a refused returning login replaced the session key")
	}
}
