package models_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/migrations"
	"github.com/mpauth/mpauth/models"
)

func newUserWithIdentity(t *testing.T, st *models.Store, appID, openID string) (models.User, models.WeChatIdentity) {
	t.Helper()
	ctx := context.Background()
	u := models.User{}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	id := models.WeChatIdentity{AppID: appID, OpenID: openID, UserID: u.ID}
	if err := st.CreateIdentity(ctx, &id); err != nil {
		t.Fatal(err)
	}
	return u, id
}

func TestMigrationsAreIdempotent(t *testing.T) {
	target := dbtest.Fresh(t)
	st := dbtest.Open(t, target, nil) // migrates from empty
	sqlDB, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := migrations.Up(ctx, sqlDB, string(st.Dialect()))
	if err != nil {
		t.Fatalf("second migrate up: %v", err)
	}
	if len(res) != 0 {
		t.Fatalf("second migrate up applied %d migrations, want 0", len(res))
	}
	if err := migrations.Current(ctx, sqlDB, string(st.Dialect())); err != nil {
		t.Fatalf("schema not current after up: %v", err)
	}
}

func TestSameOpenIDTwiceInOneAppIsRejectedByTheDatabase(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	if err := st.UpsertApp(ctx, "wx0000000000000001", "one", "s1"); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertApp(ctx, "wx0000000000000002", "two", "s2"); err != nil {
		t.Fatal(err)
	}
	u, _ := newUserWithIdentity(t, st, "wx0000000000000001", "oSAME")

	dup := models.WeChatIdentity{AppID: "wx0000000000000001", OpenID: "oSAME", UserID: u.ID}
	if err := st.CreateIdentity(ctx, &dup); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second identity with same (app, openid): got %v, want ErrConflict", err)
	}
	other := models.WeChatIdentity{AppID: "wx0000000000000002", OpenID: "oSAME", UserID: u.ID}
	if err := st.CreateIdentity(ctx, &other); err != nil {
		t.Fatalf("same openid in another app must be allowed: %v", err)
	}
}

func TestOnePhoneNumberIsNeverBoundToTwoUsers(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	if err := st.UpsertApp(ctx, "wx0000000000000001", "one", "s1"); err != nil {
		t.Fatal(err)
	}
	a, _ := newUserWithIdentity(t, st, "wx0000000000000001", "oA")
	b, _ := newUserWithIdentity(t, st, "wx0000000000000001", "oB")
	p := models.PhoneBinding{UserID: a.ID, PhoneE164: "+8613800138000", CountryCode: "86", PureNumber: "13800138000", Source: models.PhoneSourceCode, AppID: "wx0000000000000001"}
	if ev, err := st.BindPhone(ctx, p); err != nil || ev != "bind" {
		t.Fatalf("first bind: event %q err %v", ev, err)
	}
	p.UserID = b.ID
	if _, err := st.BindPhone(ctx, p); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("bind taken number to another user: got %v, want ErrConflict", err)
	}
	p.UserID, p.PhoneE164, p.PureNumber = a.ID, "+8613900139000", "13900139000"
	if ev, err := st.BindPhone(ctx, p); err != nil || ev != "replace" {
		t.Fatalf("replace: event %q err %v", ev, err)
	}
	hist, err := st.PhoneHistory(ctx, a.ID)
	if err != nil || len(hist) != 2 || hist[0].Event != "replace" || hist[0].PreviousE164 != "+8613800138000" {
		t.Fatalf("history = %+v, %v", hist, err)
	}
}

func TestSessionKeysAreSealedAtRestAndKeepThePreviousKey(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	if err := st.UpsertApp(ctx, "wx0000000000000001", "one", "s1"); err != nil {
		t.Fatal(err)
	}
	_, id := newUserWithIdentity(t, st, "wx0000000000000001", "oK")
	first := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	second := base64.StdEncoding.EncodeToString([]byte("fedcba9876543210"))

	if err := st.StoreSessionKey(ctx, id, first); err != nil {
		t.Fatal(err)
	}
	if err := st.StoreSessionKey(ctx, id, second); err != nil {
		t.Fatal(err)
	}
	keys, err := st.LoadSessionKeys(ctx, id.ID)
	if err != nil {
		t.Fatal(err)
	}
	if keys.Current != second || keys.Previous != first {
		t.Fatalf("round trip: current/previous mismatch")
	}

	sqlDB, _ := st.SQLDB()
	var cur, prev []byte
	if err := sqlDB.QueryRowContext(ctx, "SELECT current_ciphertext, previous_ciphertext FROM session_keys WHERE identity_id = $1", id.ID).Scan(&cur, &prev); err != nil {
		t.Fatal(err)
	}
	for _, stored := range [][]byte{cur, prev} {
		for _, plain := range []string{first, second, "0123456789abcdef", "fedcba9876543210"} {
			if bytes.Contains(stored, []byte(plain)) {
				t.Fatalf("stored ciphertext contains the plaintext session key")
			}
		}
	}

	// Same key again (WeChat did not rotate): previous must survive.
	if err := st.StoreSessionKey(ctx, id, second); err != nil {
		t.Fatal(err)
	}
	if keys, _ = st.LoadSessionKeys(ctx, id.ID); keys.Previous != first {
		t.Fatalf("re-storing the same key dropped the previous key")
	}

	// A rotation after the refresh shifts the refreshed key down.
	third := base64.StdEncoding.EncodeToString([]byte("ffffffffffffffff"))
	if err := st.StoreSessionKey(ctx, id, third); err != nil {
		t.Fatal(err)
	}
	keys, err = st.LoadSessionKeys(ctx, id.ID)
	if err != nil {
		t.Fatal(err)
	}
	if keys.Current != third || keys.Previous != second {
		t.Fatalf("after a rotation: previous is the rotated-away key %v", keys.Previous == second)
	}

	// A row written before fingerprints existed: the next login counts as a
	// rotation, so previous becomes the key we held, never something lost.
	if err := sqlDB.QueryRowContext(ctx, "UPDATE session_keys SET current_fingerprint = NULL WHERE identity_id = $1 RETURNING identity_id", id.ID).Scan(new(int64)); err != nil {
		t.Fatal(err)
	}
	if err := st.StoreSessionKey(ctx, id, first); err != nil {
		t.Fatal(err)
	}
	if keys, _ = st.LoadSessionKeys(ctx, id.ID); keys.Current != first || keys.Previous != third {
		t.Fatalf("legacy row: current/previous mismatch")
	}
}

// A session key is sealed to its WeChat user (app, openid): copied into
// another identity's row it does not open. Keys sealed by earlier releases
// (bound to the row id) still open until the next login replaces them.
func TestSessionKeysOpenOnlyInTheirOwnRow(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	if err := st.UpsertApp(ctx, "wx0000000000000001", "one", "s1"); err != nil {
		t.Fatal(err)
	}
	_, a := newUserWithIdentity(t, st, "wx0000000000000001", "oA")
	_, b := newUserWithIdentity(t, st, "wx0000000000000001", "oB")
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	if err := st.StoreSessionKey(ctx, a, key); err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := st.SQLDB()
	if _, err := sqlDB.ExecContext(ctx, `INSERT INTO session_keys (identity_id, current_ciphertext, current_key_id, current_issued_at, updated_at)
		SELECT $1, current_ciphertext, current_key_id, current_issued_at, updated_at FROM session_keys WHERE identity_id = $2`, b.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LoadSessionKeys(ctx, b.ID); err == nil {
		t.Fatal("a session key copied into another identity's row opened there")
	}

	legacy, kid, err := st.Keys().Seal([]byte(key), []byte(fmt.Sprintf("session_keys:%d", a.ID)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "UPDATE session_keys SET current_ciphertext = $1, current_key_id = $2 WHERE identity_id = $3", legacy, kid, a.ID); err != nil {
		t.Fatal(err)
	}
	if keys, err := st.LoadSessionKeys(ctx, a.ID); err != nil || keys.Current != key {
		t.Fatalf("a key sealed under the earlier row-id binding: %v", err)
	}
}

func TestLoginTouchesReadWhatTheLoginNeeds(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	if err := st.UpsertApp(ctx, "wx0000000000000001", "one", "s1"); err != nil {
		t.Fatal(err)
	}
	u, id := newUserWithIdentity(t, st, "wx0000000000000001", "oT")
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

	if _, err := st.TouchIdentity(ctx, "wx0000000000000001", "oNOBODY", "", at); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("touch of an unknown openid: %v, want ErrNotFound", err)
	}
	got, err := st.TouchIdentity(ctx, "wx0000000000000001", "oT", "", at)
	if err != nil || got.ID != id.ID || got.UserID != u.ID || got.UnionID != nil || !got.LastLoginAt.Equal(at) {
		t.Fatalf("touch: %+v, %v", got, err)
	}
	// WeChat starts sending a unionid; a later login without one keeps it.
	if got, err = st.TouchIdentity(ctx, "wx0000000000000001", "oT", "uLATE", at); err != nil || got.UnionID == nil || *got.UnionID != "uLATE" {
		t.Fatalf("touch with a unionid: %+v, %v", got, err)
	}
	if got, err = st.TouchIdentity(ctx, "wx0000000000000001", "oT", "", at); err != nil || got.UnionID == nil || *got.UnionID != "uLATE" {
		t.Fatalf("touch without a unionid dropped it: %+v, %v", got, err)
	}

	state, err := st.TouchUserLogin(ctx, u.ID, at)
	if err != nil || state.Status != models.UserActive || state.PhoneBound {
		t.Fatalf("user before binding: %+v, %v", state, err)
	}
	if _, err := st.BindPhone(ctx, models.PhoneBinding{UserID: u.ID, PhoneE164: "+8613800138000", CountryCode: "86", PureNumber: "13800138000", Source: "code", AppID: "wx0000000000000001", BoundAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserStatus(ctx, u.ID, models.UserBlocked, "test"); err != nil {
		t.Fatal(err)
	}
	if state, err = st.TouchUserLogin(ctx, u.ID, at); err != nil || state.Status != models.UserBlocked || !state.PhoneBound {
		t.Fatalf("blocked user with a phone: %+v, %v", state, err)
	}
	if _, err := st.TouchUserLogin(ctx, models.NewUserID(), at); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("touch of an unknown user: %v, want ErrNotFound", err)
	}
}

func TestSealedValuesDoNotOpenInAnotherRowOrUnderAnotherKey(t *testing.T) {
	k1, _ := models.NewKeyring(dbtest.RandomKey())
	ct, kid, err := k1.Seal([]byte("secret"), []byte("row:1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k1.Open(ct, kid, []byte("row:2")); err == nil {
		t.Fatal("ciphertext opened under another row's aad")
	}
	newKey := dbtest.RandomKey()
	rotated, _ := models.NewKeyring(newKey)
	if _, err := rotated.Open(ct, kid, []byte("row:1")); !errors.Is(err, models.ErrUnknownKey) {
		t.Fatalf("open with a keyring lacking the old key: %v, want ErrUnknownKey", err)
	}
}

func TestRotatedKeyringStillOpensOldRows(t *testing.T) {
	oldKey, newKey := dbtest.RandomKey(), dbtest.RandomKey()
	before, _ := models.NewKeyring(oldKey)
	ct, kid, _ := before.Seal([]byte("secret"), nil)
	after, _ := models.NewKeyring(newKey, oldKey)
	pt, err := after.Open(ct, kid, nil)
	if err != nil || string(pt) != "secret" {
		t.Fatalf("rotated keyring: %q, %v", pt, err)
	}
	if after.CurrentID() == kid {
		t.Fatal("new data must be sealed with the new key")
	}
}

func TestLoginAuditIsAppendOnly(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	row := models.LoginAudit{Event: models.EventLogin, Result: models.ResultFailure, ErrorCode: "invalid_code"}
	if err := st.AppendLoginAudit(ctx, &row); err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := st.SQLDB()
	if _, err := sqlDB.ExecContext(ctx, "UPDATE login_audit SET result = 'success' WHERE id = $1", row.ID); err == nil {
		t.Fatal("UPDATE on login_audit succeeded; it must be append-only")
	}
}

func TestAccessTokenCompareAndExpire(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	_ = st.UpsertApp(ctx, "wx0000000000000001", "one", "s1")
	now := time.Now().UTC()
	save := func(v string) {
		if err := st.SaveAccessToken(ctx, models.AccessToken{AppID: "wx0000000000000001", Kind: "stable", Value: v, FetchedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	save("old-token")
	save("new-token")
	if ok, err := st.ExpireAccessTokenIf(ctx, "wx0000000000000001", "old-token"); err != nil || ok {
		t.Fatalf("expire with a stale token: ok=%v err=%v, want no-op", ok, err)
	}
	tok, _ := st.LoadAccessToken(ctx, "wx0000000000000001")
	if tok.Value != "new-token" || !tok.ExpiresAt.After(now) || tok.Refreshes != 2 {
		t.Fatalf("token after stale expire: %+v", tok.ExpiresAt)
	}
	if ok, err := st.ExpireAccessTokenIf(ctx, "wx0000000000000001", "new-token"); err != nil || !ok {
		t.Fatalf("expire the current token: ok=%v err=%v", ok, err)
	}
}

func TestBindPhoneAuditedWritesTheBindingItsHistoryAndTheAuditRowOrNothing(t *testing.T) {
	st := dbtest.New(t)
	ctx := context.Background()
	const app = "wx0000000000000001"
	if err := st.UpsertApp(ctx, app, "one", "s1"); err != nil {
		t.Fatal(err)
	}
	a, _ := newUserWithIdentity(t, st, app, "oA")
	b, _ := newUserWithIdentity(t, st, app, "oB")
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	bind := func(user, pure, request string) (string, error) {
		uid := user
		return st.BindPhoneAudited(ctx,
			models.PhoneBinding{UserID: user, PhoneE164: "+86" + pure, CountryCode: "86", PureNumber: pure, Source: models.PhoneSourceCode, AppID: app, BoundAt: at},
			models.LoginAudit{AppID: app, UserID: &uid, Event: models.EventPhoneCode, Result: models.ResultSuccess, IP: "10.0.0.1", RequestID: request})
	}
	sqlDB, _ := st.SQLDB()
	audits := func(request string) int {
		t.Helper()
		var n int
		if err := sqlDB.QueryRowContext(ctx, "SELECT count(*) FROM login_audit WHERE request_id = $1", request).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if ev, err := bind(a.ID, "13800138000", "r1"); err != nil || ev != "bind" || audits("r1") != 1 {
		t.Fatalf("first bind: %q %v, %d audit rows", ev, err, audits("r1"))
	}
	if _, err := bind(b.ID, "13800138000", "r2"); !errors.Is(err, models.ErrConflict) || audits("r2") != 0 {
		t.Fatalf("another user's number: %v, %d audit rows; want ErrConflict and none", err, audits("r2"))
	}
	if pb, err := st.GetPhoneBinding(ctx, b.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the refused bind left a binding: %+v %v", pb, err)
	}
	if ev, err := bind(a.ID, "13800138000", "r3"); err != nil || ev != "" || audits("r3") != 1 {
		t.Fatalf("same number again: %q %v, %d audit rows; want no event and the audit row", ev, err, audits("r3"))
	}
	if ev, err := bind(a.ID, "13900139000", "r4"); err != nil || ev != "replace" || audits("r4") != 1 {
		t.Fatalf("replace: %q %v", ev, err)
	}
	if pb, err := st.GetPhoneBinding(ctx, a.ID); err != nil || pb.PhoneE164 != "+8613900139000" || pb.PureNumber != "13900139000" {
		t.Fatalf("binding after replace: %+v %v", pb, err)
	}
	hist, err := st.PhoneHistory(ctx, a.ID)
	if err != nil || len(hist) != 2 || hist[0].Event != "replace" || hist[0].PreviousE164 != "+8613800138000" || hist[1].Event != "bind" || hist[1].PreviousE164 != "" {
		t.Fatalf("history = %+v, %v", hist, err)
	}
}
