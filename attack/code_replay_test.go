package attack

import (
	"net/url"
	"testing"
)

// A wx.login code is single-use at WeChat, and we remember each code's
// login for a while so that a double tap or a retry gets the same answer.
// After the user logs out, that memory must not hand the same code's
// holder a token: either a fresh login or a clear refusal, never a token
// that is already dead.
func TestACodeReplayedAfterLogoutGetsNoDeadToken(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	fake := startFake(t)
	in := startInstance(t, db, fake, nil)
	code := fake.login(t, "leaver")
	first := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": code})
	if first.Status != 200 {
		t.Fatalf("login: %s", first)
	}
	token := first.Body["token"].(string)
	if a := call(t, "POST", in.base+"/api/v1/logout", token, nil); a.Status != 204 {
		t.Fatalf("logout: %s", a)
	}
	replay := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": code})
	switch {
	case replay.Status == 200:
		again := replay.Body["token"].(string)
		if me := call(t, "GET", in.base+"/api/v1/me", again, nil); me.Status != 200 {
			t.Fatalf("the replayed code answered 200 with a token that does not work: %s", me)
		}
	case replay.errorCode() != "invalid_code":
		t.Fatalf("the replayed code after logout: %s, want a working login or invalid_code", replay)
	}
}

// The same after an administrator blocks the user: the code of a login from
// before the block gets no token, and the token it gave stays dead after an
// unblock ("their tokens stop working at once").
func TestACodeReplayedAfterABlockGetsNoToken(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	fake := startFake(t)
	in := startInstance(t, db, fake, nil)
	code := fake.login(t, "spammer")
	first := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": code})
	if first.Status != 200 {
		t.Fatalf("login: %s", first)
	}
	token, userID := first.Body["token"].(string), first.Body["user"].(map[string]any)["id"].(string)
	admin := newBrowser(in.base)
	if r := admin.signIn(t, "root", createAdmin(t, db, "root", "admin")); !signedIn(r) {
		t.Fatalf("sign in: %s", r)
	}
	if r := admin.do(t, "POST", "/admin/users/"+userID+"/block", url.Values{"reason": {"spam"}}); r.Status != 303 {
		t.Fatalf("block: %s", r)
	}
	if a := call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": code}); a.Status == 200 {
		t.Fatalf("the code replayed after a block answered 200 with a token: %s", a)
	}
	if r := admin.do(t, "POST", "/admin/users/"+userID+"/unblock", url.Values{"reason": {"appeal"}}); r.Status != 303 {
		t.Fatalf("unblock: %s", r)
	}
	if me := call(t, "GET", in.base+"/api/v1/me", token, nil); me.Status != 401 {
		t.Fatalf("the token from before the block, after the unblock: %s, want 401", me)
	}
}
