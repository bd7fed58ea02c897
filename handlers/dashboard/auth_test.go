package dashboard_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
)

func TestEveryDashboardPageSendsVisitorsToSignIn(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.browser()
	for _, path := range []string{"/admin/", "/admin/users", "/admin/users/0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b", "/admin/phones", "/admin/audit/logins", "/admin/audit/admin"} {
		p := b.get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/login") {
			t.Errorf("GET %s: %d → %q, want a redirect to the sign-in page", path, p.status, p.location)
		}
	}
	for _, path := range []string{"/admin/users", "/admin/users/export", "/admin/logout"} {
		if p := b.post(path, url.Values{}); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/login") {
			t.Errorf("POST %s: %d → %q, want a redirect to the sign-in page", path, p.status, p.location)
		}
	}
}

func TestSignInRotatesTheSessionID(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	e.createAdmin("bob", models.RoleViewer)
	ctx := context.Background()

	// A session that exists before sign-in, as an attacker would plant it
	// (session fixation): stock stores keep its id through the sign-in.
	planted, err := e.sessions.Create(ctx, admin.SessionData{})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.setCookie(planted)
	if p := b.signIn("alice", adminPW); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	signedIn := b.cookie()
	if signedIn == "" || signedIn == planted {
		t.Fatalf("cookie after sign-in = %q, want a new id (before: %q)", signedIn, planted)
	}
	if _, err := e.sessions.Load(ctx, planted); !errors.Is(err, admin.ErrNoSession) {
		t.Errorf("the pre-sign-in session still exists (err %v)", err)
	}
	attacker := e.browser()
	attacker.setCookie(planted)
	if p := attacker.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("the old id still opens the dashboard: %d", p.status)
	}
	if p := b.get("/admin/"); p.status != http.StatusOK {
		t.Fatalf("the new id does not open the dashboard: %d", p.status)
	}

	// Signing in as someone else over a live session rotates again, and the
	// old id stops working.
	if p := b.signIn("bob", adminPW); p.status != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", p.status)
	}
	asBob := b.cookie()
	if asBob == signedIn {
		t.Fatal("signing in as another account kept the session id")
	}
	old := e.browser()
	old.setCookie(signedIn)
	if p := old.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("alice's old id still works after bob signed in over it: %d", p.status)
	}
	if p := b.get("/admin/"); !strings.Contains(p.body, ">bob<") {
		t.Errorf("the rotated session is not bob's")
	}
}

func TestTheDatabaseHoldsOnlyAHashOfTheSessionID(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	id := b.cookie()
	ctx := context.Background()
	if _, err := e.store.AdminSessionByHash(ctx, []byte(id)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a session row is keyed by the raw id (err %v)", err)
	}
	sum := sha256.Sum256([]byte(id))
	row, err := e.store.AdminSessionByHash(ctx, sum[:])
	if err != nil {
		t.Fatalf("no row under the id's hash: %v", err)
	}
	if strings.Contains(string(row.Data), id) {
		t.Error("the session data contains the id")
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		production bool
		cookie     string
		device     string
	}{
		{"development", false, "mpauth_admin=", "mpauth_admin_device="},
		{"production: Secure with the __Host- prefix", true, "__Host-mpauth_admin=", "__Host-mpauth_admin_device="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAdminEnv(t, adminEnvOptions{production: tc.production})
			e.createAdmin("alice", models.RoleAdmin)
			p := e.browser().signIn("alice", adminPW)
			var c, device string
			for _, h := range p.header.Values("Set-Cookie") {
				if strings.HasPrefix(h, tc.device) {
					device = h
				} else if strings.HasPrefix(h, tc.cookie) {
					c = h
				}
			}
			// The device cookie outlives the session: it is what keeps this
			// browser out of other people's lockouts.
			for _, want := range []string{"Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=31536000"} {
				if !strings.Contains(device, want) {
					t.Errorf("device Set-Cookie %q lacks %q", device, want)
				}
			}
			if strings.Contains(device, "Secure") != tc.production {
				t.Errorf("device Set-Cookie %q: Secure should be %v", device, tc.production)
			}
			for _, want := range []string{tc.cookie, "Path=/", "HttpOnly", "SameSite=Lax"} {
				if !strings.Contains(c, want) {
					t.Errorf("Set-Cookie %q lacks %q", c, want)
				}
			}
			if strings.Contains(c, "Secure") != tc.production {
				t.Errorf("Set-Cookie %q: Secure should be %v", c, tc.production)
			}
			if strings.Contains(c, "Max-Age") || strings.Contains(c, "Expires") {
				t.Errorf("Set-Cookie %q persists beyond the browser session", c)
			}
		})
	}
}

func TestSessionsEndAfterIdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)

	e.clock.Advance(29 * time.Minute)
	if p := b.get("/admin/"); p.status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want the page", p.status)
	}
	e.clock.Advance(31 * time.Minute)
	if p := b.get("/admin/"); p.status != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d, want a redirect to sign in", p.status)
	}

	// Active all day: the session still ends 12 hours after sign-in.
	if p := b.signIn("alice", adminPW); p.status != http.StatusSeeOther {
		t.Fatal("sign in again")
	}
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		e.clock.Advance(20 * time.Minute)
		if p := b.get("/admin/users"); p.status != http.StatusOK {
			t.Fatalf("active session ended after %s", elapsed+20*time.Minute)
		}
	}
	e.clock.Advance(20 * time.Minute)
	if p := b.get("/admin/users"); p.status != http.StatusSeeOther {
		t.Fatalf("session alive 12h20m after sign-in: %d", p.status)
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	id := b.cookie()
	if p := b.post("/admin/logout", nil); p.status != http.StatusSeeOther || p.location != "/admin/login" {
		t.Fatalf("sign out: %d → %q", p.status, p.location)
	}
	replay := e.browser()
	replay.setCookie(id)
	if p := replay.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("a copy of the signed-out cookie still works: %d", p.status)
	}
	if n := len(e.adminAudit(models.ActionSignOut)); n != 1 {
		t.Errorf("%d sign_out audit rows, want 1", n)
	}
}

func TestResetPasswordSignsTheAccountOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	if err := e.admins.ResetPassword(context.Background(), "alice", "a whole new password", admin.CLIActor); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/admin/"); p.status != http.StatusSeeOther {
		t.Errorf("the session survived a password reset: %d", p.status)
	}
	if p := e.browser().signIn("alice", adminPW); p.status != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", p.status)
	}
	if p := e.browser().signIn("alice", "a whole new password"); p.status != http.StatusSeeOther {
		t.Errorf("the new password does not work: %d", p.status)
	}
}

func TestAWrongPasswordAndAnUnknownAccountLookTheSame(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	wrong := e.browser().signIn("alice", "not the password")
	unknown := e.browser().signIn("mallory", "not the password")
	if wrong.status != http.StatusUnauthorized || unknown.status != wrong.status {
		t.Fatalf("statuses: wrong password %d, unknown account %d", wrong.status, unknown.status)
	}
	msg := "The username or password is wrong."
	if !strings.Contains(wrong.body, msg) || !strings.Contains(unknown.body, msg) {
		t.Error("the two failures do not say the same thing")
	}
	if strings.ReplaceAll(wrong.body, "alice", "NAME") != strings.ReplaceAll(unknown.body, "mallory", "NAME") {
		t.Error("the two pages differ beyond the typed name: they hint at whether the account exists")
	}
	// The audit records both, but not a mistyped name in clear (it is often
	// a password typed into the wrong box).
	rows := e.adminAudit(models.ActionSignInFailed)
	if len(rows) != 2 {
		t.Fatalf("%d sign_in_failed rows, want 2", len(rows))
	}
	for _, r := range rows {
		if r.TargetID == "mallory" {
			t.Error("the unknown username is stored in clear")
		}
	}
}

func TestRepeatedFailuresSlowDownThenLockTheAccount(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	attempt := func(pw string) page {
		t.Helper()
		b := e.browser()
		return b.signIn("alice", pw)
	}
	p := admin.DefaultSignInPolicy()
	for i := 1; i <= p.AccountFree; i++ {
		if got := attempt("wrong"); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401 (no delay yet)", i, got.status)
		}
	}
	// From now on each failure doubles the wait before the next attempt. An
	// attempt during the wait is refused without checking the password,
	// even the right one.
	delay := p.FirstDelay
	for i := p.AccountFree + 1; i <= p.AccountLock; i++ {
		got := attempt(adminPW)
		if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") == "" {
			t.Fatalf("attempt %d during a %s wait: %d, want 429 with Retry-After", i, delay, got.status)
		}
		if !strings.Contains(got.body, "Too many failed sign-in attempts") {
			t.Fatalf("the page does not say why")
		}
		e.clock.Advance(delay)
		if got := attempt("wrong"); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d after waiting %s: %d", i, delay, got.status)
		}
		delay *= 2
	}
	// Locked: the right password is refused for LockFor.
	e.clock.Advance(p.LockFor - time.Second)
	if got := attempt(adminPW); got.status != http.StatusTooManyRequests {
		t.Fatalf("a second before the lock ends: %d, want 429", got.status)
	}
	e.clock.Advance(time.Second)
	if got := attempt(adminPW); got.status != http.StatusSeeOther {
		t.Fatalf("after the lock: %d, want a sign-in", got.status)
	}
	if n := len(e.adminAudit(models.ActionSignInFailed)); n != p.AccountLock {
		t.Errorf("%d sign_in_failed rows, want %d", n, p.AccountLock)
	}
	locked := e.adminAudit(models.ActionSignInLocked)
	if len(locked) != 1 || locked[0].TargetID != "alice" {
		t.Errorf("lock audit rows: %+v", locked)
	}
	// The success resets the account's count.
	if got := attempt("wrong"); got.status != http.StatusUnauthorized {
		t.Errorf("first failure after a success: %d, want 401", got.status)
	}
}

// Wrong guesses from anywhere lock out the guessers, never the browser the
// admin signed in with before (OWASP's device cookies): it has its own
// count. An unknown browser, even with the right password, waits.
func TestAKnownBrowserIsNotLockedOutByOthersGuesses(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	known := e.browser()
	if p := known.signIn("alice", adminPW); p.status != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d", p.status)
	}
	known.post("/admin/logout", url.Values{})
	bob := e.signedIn("bob", models.RoleViewer)
	p := admin.DefaultSignInPolicy()
	// The attacker locks the account for unknown browsers.
	delay := time.Duration(0)
	for i := 1; i <= p.AccountLock; i++ {
		e.clock.Advance(delay)
		if got := e.browser().signIn("alice", "guess"); got.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, got.status)
		}
		if i >= p.AccountFree {
			delay = p.FirstDelay << (i - p.AccountFree)
		}
	}
	if got := e.browser().signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
		t.Fatalf("the right password from an unknown browser while locked: %d, want 429", got.status)
	}
	if got := known.signIn("alice", adminPW); got.status != http.StatusSeeOther {
		t.Fatalf("the admin's own browser while others are locked out: %d, want a sign-in", got.status)
	}
	// A device cookie of another account, or a forged one, is no one's.
	stranger := e.browser()
	for _, c := range bob.client.Jar.Cookies(mustURL(e.server.URL)) {
		if c.Name == "mpauth_admin_device" {
			stranger.client.Jar.SetCookies(mustURL(e.server.URL), []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
		}
	}
	// The admin's success started the count again: a few more guesses and
	// unknown browsers wait again.
	for range p.AccountFree {
		e.browser().signIn("alice", "guess")
	}
	if got := stranger.signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
		t.Fatalf("another account's device cookie: %d, want to count as an unknown browser (429)", got.status)
	}
	forged := e.browser()
	forged.client.Jar.SetCookies(mustURL(e.server.URL), []*http.Cookie{{Name: "mpauth_admin_device", Value: "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Path: "/"}})
	if got := forged.signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
		t.Fatalf("a forged device cookie: %d, want 429", got.status)
	}
}

// A known browser's own wrong guesses are throttled like anyone's, and do
// not count against the others.
func TestAKnownBrowserIsThrottledOnItsOwnFailures(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	known := e.browser()
	known.signIn("alice", adminPW)
	p := admin.DefaultSignInPolicy()
	for i := 1; i <= p.AccountFree; i++ {
		if got := known.signIn("alice", "typo"); got.status != http.StatusUnauthorized {
			t.Fatalf("typo %d: %d", i, got.status)
		}
	}
	if got := known.signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
		t.Fatalf("the known browser after its own %d failures: %d, want 429", p.AccountFree, got.status)
	}
	if got := e.browser().signIn("alice", adminPW); got.status != http.StatusSeeOther {
		t.Fatalf("another browser, unaffected by the known one's typos: %d", got.status)
	}
	rows := e.adminAudit(models.ActionSignInFailed)
	if len(rows) != p.AccountFree || rows[0].Device == "" {
		t.Fatalf("failures from the known browser are audited with its name: %+v", rows)
	}
}

// The operator lifts a lock with `mpauth admin unlock` or a password reset.
func TestUnlockAndAPasswordResetLiftALock(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	lock := func() {
		t.Helper()
		for range admin.DefaultSignInPolicy().AccountFree {
			e.browser().signIn("alice", "guess")
		}
		if got := e.browser().signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
			t.Fatalf("precondition, throttled: %d", got.status)
		}
	}
	lock()
	if err := e.admins.Unlock(context.Background(), "alice", admin.CLIActor); err != nil {
		t.Fatal(err)
	}
	if got := e.browser().signIn("alice", adminPW); got.status != http.StatusSeeOther {
		t.Fatalf("after unlock: %d", got.status)
	}
	lock()
	if err := e.admins.ResetPassword(context.Background(), "alice", "a brand new password", admin.CLIActor); err != nil {
		t.Fatal(err)
	}
	if got := e.browser().signIn("alice", "a brand new password"); got.status != http.StatusSeeOther {
		t.Fatalf("after a password reset: %d", got.status)
	}
	if rows := e.adminAudit(models.ActionUnlock); len(rows) != 1 || rows[0].AdminName != admin.CLIActor {
		t.Fatalf("unlock audit: %+v", rows)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestAnUnknownAccountIsThrottledLikeARealOne(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	p := admin.DefaultSignInPolicy()
	for i := 0; i < p.AccountFree; i++ {
		e.browser().signIn("nobody", "wrong")
	}
	if got := e.browser().signIn("nobody", "wrong"); got.status != http.StatusTooManyRequests {
		t.Errorf("unknown account after %d failures: %d, want 429 as for a real one", p.AccountFree, got.status)
	}
}

func TestOneAddressTryingManyAccountsIsThrottled(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.createAdmin("alice", models.RoleAdmin)
	p := admin.DefaultSignInPolicy()
	for i := 0; i < p.IPFree; i++ {
		if got := e.browser().signIn("user"+strings.Repeat("x", i+1), "wrong"); got.status != http.StatusUnauthorized {
			t.Fatalf("spray %d: %d", i, got.status)
		}
	}
	if got := e.browser().signIn("alice", adminPW); got.status != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one address, a new account: %d, want 429", p.IPFree, got.status)
	}
}

func TestPasswordsOfAnyScriptUpTo128Characters(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	ctx := context.Background()
	long := strings.Repeat("密码", 64) // 128 characters, 384 bytes
	if _, err := e.admins.CreateAdmin(ctx, "wang", long, models.RoleAdmin, admin.CLIActor); err != nil {
		t.Fatalf("128 Chinese characters refused: %v", err)
	}
	if got := e.browser().signIn("wang", long); got.status != http.StatusSeeOther {
		t.Errorf("sign in with 128 Chinese characters: %d", got.status)
	}
	if _, err := e.admins.CreateAdmin(ctx, "li", long+"字", models.RoleAdmin, admin.CLIActor); services.ErrorCode(err) != services.CodeInvalidRequest {
		t.Errorf("129 characters: %v, want invalid_request", err)
	}
	// Composed and decomposed accents are one password (NFKC).
	if _, err := e.admins.CreateAdmin(ctx, "zoe", "caf\u00e9 au lait", models.RoleAdmin, admin.CLIActor); err != nil {
		t.Fatal(err)
	}
	if got := e.browser().signIn("zoe", "cafe\u0301 au lait"); got.status != http.StatusSeeOther {
		t.Errorf("the decomposed form of the password: %d", got.status)
	}
}

func TestACrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	u := e.addUser(fixtureUser{nickname: "victim"})
	for _, tc := range []struct {
		name    string
		headers map[string]string
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{"an Origin of another host", map[string]string{"Origin": "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/admin/users/"+u.ID+"/block", strings.NewReader("reason=csrf"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			b.lang = "en"
			resp, err := b.client.Do(withHeaders(req, tc.headers))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
			if e.user(u.ID).Status != models.UserActive {
				t.Error("the cross-origin POST blocked the user")
			}
		})
	}
	if n := len(e.adminAudit(models.ActionBlockUser)); n != 0 {
		t.Errorf("%d block rows in the audit, want 0", n)
	}
}

func withHeaders(req *http.Request, h map[string]string) *http.Request {
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}

func TestNothingChangesOnGET(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	u := e.addUser(fixtureUser{nickname: "n", phone: "13800138000"})
	s := e.addSession(u, dashApp1)
	for _, path := range []string{
		"/admin/users/" + u.ID + "/block", "/admin/users/" + u.ID + "/sessions/revoke",
		"/admin/users/" + u.ID + "/sessions/" + itoa(s.ID) + "/revoke", "/admin/users/export", "/admin/logout",
	} {
		// 405, or 404 where the path reads as a user id (/admin/users/export).
		if p := b.get(path); p.status != http.StatusMethodNotAllowed && p.status != http.StatusNotFound || !strings.Contains(p.body, `class="nav"`) {
			t.Errorf("GET %s: %d, want the dashboard's 405 or 404 page", path, p.status)
		}
	}
	b.get("/admin/users/" + u.ID + "/reveal") // the form only
	if e.user(u.ID).Status != models.UserActive {
		t.Error("a GET blocked the user")
	}
	for _, action := range []string{models.ActionBlockUser, models.ActionRevokeSession, models.ActionRevokeSessions, models.ActionExport, models.ActionRevealPhone} {
		if n := len(e.adminAudit(action)); n != 0 {
			t.Errorf("%d %s rows after GETs", n, action)
		}
	}
	if p := b.get("/admin/"); p.status != http.StatusOK {
		t.Error("a GET signed the admin out")
	}
}

func TestSecurityHeadersOnEveryDashboardPage(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	for _, path := range []string{"/admin/login", "/admin/", "/admin/users", "/admin/no-such-page"} {
		p := b.get(path)
		csp := p.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline script: %q", path, csp)
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " onclick=") || strings.Contains(p.body, " style=") {
			t.Errorf("%s: the page has inline script or style", path)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if got := p.header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
	}
}
