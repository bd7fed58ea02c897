package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
)

func TestReturningLoginIsOneStatementThatAppliesOnlyToAnActiveReturningUser(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	const app = "wx0000000000000001"
	if err := st.UpsertApp(ctx, app, "one", "s1"); err != nil {
		t.Fatal(err)
	}
	u, id := newUserWithIdentity(t, st, app, "oR")
	if st.Dialect() == models.SQLite {
		// SQLite logins take the transactional path.
		if _, ok, err := st.RecordReturningLogin(ctx, models.ReturningLogin{}); ok || !errors.Is(err, models.ErrNotSupported) {
			t.Fatalf("returning login on SQLite: %v %v, want ErrNotSupported", ok, err)
		}
		return
	}

	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	loginAs := func(openid, key, request string) (models.ReturningLogged, bool, error) {
		return st.RecordReturningLogin(ctx, models.ReturningLogin{
			AppID: app, OpenID: openid, UnionID: "uR", SessionKey: key, At: at,
			Session: models.LoginSession{TokenHash: []byte(request + "-hash-0000000000000000000000"), ExpiresAt: at.Add(time.Hour), IP: "10.0.0.1", UserAgent: "ua"},
			Audit:   models.LoginAudit{Event: models.EventLogin, RequestID: request},
		})
	}
	login := func(key, request string) (bool, error) {
		found, ok, err := loginAs("oR", key, request)
		if ok && (found.IdentityID != id.ID || found.UserID != u.ID || found.PhoneBound) {
			t.Fatalf("the login found %+v, want identity %d of user %s, no phone", found, id.ID, u.ID)
		}
		return ok, err
	}
	if _, ok, err := loginAs("oNOBODY", "a2V5MWtleTFrZXkxa2V5MQ==", "req-0"); ok || err != nil {
		t.Fatalf("returning login of an unknown openid: %v %v, want not applied", ok, err)
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

	// A blocked user's login is not applied: nothing is written.
	if err := st.SetUserStatus(ctx, u.ID, models.UserBlocked, "test"); err != nil {
		t.Fatal(err)
	}
	if ok, err := login("a2V5M2tleTNrZXkza2V5Mw==", "req-3"); ok || err != nil {
		t.Fatalf("login of a blocked user: %v %v, want not applied", ok, err)
	}
	if s, a, _, _ := counts(); s != 2 || a != 2 {
		t.Fatalf("a refused returning login wrote %d sessions, %d audit rows", s-2, a-2)
	}
	if keys, _ := st.LoadSessionKeys(ctx, id.ID); keys.Current != "a2V5MmtleTJrZXkya2V5Mg==" {
		t.Fatal("a refused returning login replaced the session key")
	}
}
