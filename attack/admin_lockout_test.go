package attack

import (
	"fmt"
	"net/url"
	"testing"
)

// An attacker who does not know the password tries to keep the real admin
// out: a few wrong guesses from anywhere used to make every sign-in of the
// account wait, the real admin's included, for as long as the attacker
// kept guessing. The browser the admin signed in with before must get in
// regardless; brute force from anywhere else must stay throttled, across
// instances; and the operator can lift a lock from the command line.
func TestAnAttackerCannotLockTheAdminOut(t *testing.T) {
	t.Parallel()
	db := sharedPostgres(t)
	fake := startFake(t)
	// Behind a proxy, as in production: the attacker comes from anywhere,
	// the admin from their office.
	proxied := map[string]string{"MPAUTH_TRUSTED_PROXIES": "127.0.0.1"}
	a, b := startInstance(t, db, fake, proxied), startInstance(t, db, fake, proxied)
	instances := []*instance{a, b}
	password := createAdmin(t, db, "root", "admin")

	const office = "198.51.100.7"
	adminBrowser := newBrowser(a.base)
	adminBrowser.from = office
	if r := adminBrowser.signIn(t, "root", password); !signedIn(r) {
		t.Fatalf("first sign-in: %s", r)
	}
	if r := adminBrowser.do(t, "POST", "/admin/logout", url.Values{}); r.Status != 303 {
		t.Fatalf("sign out: %s", r)
	}

	// guessUntilThrottled makes wrong guesses from a browser with no history,
	// alternating instances, until one is refused unchecked.
	guessUntilThrottled := func() {
		t.Helper()
		attacker := newBrowser("")
		for i := range 12 {
			attacker.base, attacker.from = instances[i%2].base, fmt.Sprintf("203.0.113.%d", 1+i)
			r := attacker.signIn(t, "root", "wrong-guess-"+string(rune('a'+i)))
			if r.Status == 429 {
				if r.Header.Get("Retry-After") == "" {
					t.Fatal("a throttled sign-in has no Retry-After")
				}
				return
			}
			if signedIn(r) {
				t.Fatal("a wrong password signed in")
			}
		}
		t.Fatal("12 wrong guesses over two instances were never throttled")
	}

	guessUntilThrottled()
	t.Run("brute force stays throttled: the right password from an unknown browser is not even checked", func(t *testing.T) {
		r := officeBrowser(b.base).signIn(t, "root", password)
		if r.Status != 429 {
			t.Fatalf("the right password from an unknown browser while throttled: %s, want 429", r)
		}
	})
	t.Run("the browser the admin used before signs in at once", func(t *testing.T) {
		adminBrowser.base = b.base
		if r := adminBrowser.signIn(t, "root", password); !signedIn(r) {
			t.Fatalf("the real admin was kept out by the attacker's guesses: %s", r)
		}
	})

	t.Run("mpauth admin unlock lifts the lock for a new browser", func(t *testing.T) {
		guessUntilThrottled()
		if r := officeBrowser(a.base).signIn(t, "root", password); r.Status != 429 {
			t.Fatalf("precondition: a new browser should be throttled: %s", r)
		}
		if out, err := cli(t, db, "", "admin", "unlock", "--username", "root"); err != nil {
			t.Fatalf("admin unlock: %v\n%s", err, out)
		}
		if r := officeBrowser(a.base).signIn(t, "root", password); !signedIn(r) {
			t.Fatalf("a new browser after admin unlock: %s", r)
		}
	})

	t.Run("a password reset lifts the lock too", func(t *testing.T) {
		guessUntilThrottled()
		fresh := "reset-" + password
		if out, err := cli(t, db, fresh+"\n", "admin", "reset-password", "--username", "root"); err != nil {
			t.Fatalf("admin reset-password: %v\n%s", err, out)
		}
		if r := officeBrowser(b.base).signIn(t, "root", fresh); !signedIn(r) {
			t.Fatalf("a new browser after reset-password: %s", r)
		}
	})
}

// officeBrowser is a browser the admin never signed in with, at the office.
func officeBrowser(base string) *browser {
	b := newBrowser(base)
	b.from = "198.51.100.8"
	return b
}
