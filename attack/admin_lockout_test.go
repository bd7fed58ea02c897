package attack

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// A flood of sign-in attempts with made-up usernames, from one address or
// many, must not keep the admin out either: attempts used to queue one at a
// time behind each other, and the admin's own waited past the request
// timeout (HTTP 500 after 15 s).
func TestASignInFloodDoesNotKeepTheAdminOut(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	fake := startFake(t)
	in := startInstance(t, db, fake, map[string]string{"MPAUTH_TRUSTED_PROXIES": "127.0.0.1"})
	password := createAdmin(t, db, "root", "admin")
	admin := newBrowser(in.base)
	admin.from = "198.51.100.7"
	if r := admin.signIn(t, "root", password); !signedIn(r) {
		t.Fatalf("first sign-in: %s", r)
	}

	stop, on := make(chan struct{}), make(chan struct{})
	var flooders sync.WaitGroup
	var sent, turnedAway, checked atomic.Int64
	var floodOn sync.Once
	for f := range 300 {
		flooders.Add(1)
		go func() {
			defer flooders.Done()
			c := &http.Client{Timeout: 60 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				form := url.Values{"username": {fmt.Sprintf("nobody-%d-%d", f, i)}, "password": {"guess"}}
				req, _ := http.NewRequest("POST", in.base+"/admin/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.%d.%d", f/250, f%250))
				resp, err := c.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if sent.Add(1) == 500 {
					floodOn.Do(func() { close(on) })
				}
				switch resp.StatusCode {
				case http.StatusTooManyRequests:
					turnedAway.Add(1)
				case http.StatusUnauthorized:
					checked.Add(1) // a password was checked
				}
			}
		}()
	}
	defer func() { close(stop); flooders.Wait() }()
	<-on // 500 attempts answered: the flood is on
	before := checked.Load()
	if r := admin.signIn(t, "root", password); !signedIn(r) {
		t.Fatalf("the admin's own browser during a sign-in flood: %s", r)
	}
	// Queued behind the flood, the admin would wait for hundreds of its
	// password checks (and past the request timeout for a larger flood);
	// beside it, for a few at most.
	if n := checked.Load() - before; n > 100 {
		t.Fatalf("the admin's sign-in waited while %d of the flood's passwords were checked", n)
	}
	if a := call(t, "GET", in.base+"/readyz", "", nil); a.Status != 200 {
		t.Fatalf("readiness during a sign-in flood: %s", a)
	}
	if turnedAway.Load() == 0 {
		t.Fatal("no flood attempt was turned away")
	}
}
