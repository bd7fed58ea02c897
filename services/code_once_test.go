package services

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// twoInstances are two deployments' worth of services (each with its own
// in-process state) on one database and one WeChat, as two instances behind
// a load balancer are.
type twoInstances struct {
	fake   *fakewechat.Server
	store  *models.Store
	auth   [2]*Auth
	phones [2]*Phones
	clock  *testClock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTwoInstances(t *testing.T) *twoInstances {
	t.Helper()
	clk := &testClock{t: time.Now().UTC()}
	fake := fakewechat.New(fakewechat.Options{Now: clk.Now})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	store := dbtest.New(t)
	if err := store.UpsertApp(context.Background(), fakewechat.DemoAppID, "demo", fakewechat.DemoAppSecret); err != nil {
		t.Fatal(err)
	}
	e := &twoInstances{fake: fake, store: store, clock: clk}
	for i := range 2 {
		client := &wechat.Client{BaseURL: srv.URL, Secrets: &AppSecrets{Store: store}, Now: clk.Now,
			Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
		client.Tokens = &wechat.Broker{Store: &TokenStore{Store: store}, Fetcher: client, Now: clk.Now}
		deps := Deps{Store: store, WeChat: client, Now: clk.Now}
		e.auth[i] = NewAuth(deps, AuthConfig{DefaultAppID: fakewechat.DemoAppID})
		e.phones[i] = NewPhones(deps, PhonesConfig{})
	}
	return e
}

func (e *twoInstances) code(t *testing.T, user string) string {
	t.Helper()
	code, err := e.fake.DeviceLogin(fakewechat.DemoAppID, user, false)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (e *twoInstances) principal(t *testing.T, res LoginResult) Principal {
	t.Helper()
	p, err := e.auth[0].Authenticate(context.Background(), res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestACodeIsExchangedOnceForTheDeployment(t *testing.T) {
	ctx := context.Background()

	t.Run("a retry on another instance gets the same login", func(t *testing.T) {
		e := newTwoInstances(t)
		code := e.code(t, "ann")
		first, err := e.auth[0].Login(ctx, LoginInput{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.auth[1].Login(ctx, LoginInput{Code: code})
		if err != nil || again != first {
			t.Fatalf("retry on the other instance: %+v %v, want %+v", again, err, first)
		}
		if n := e.fake.Stats().JSCode2Session; n != 1 {
			t.Fatalf("WeChat saw %d exchanges", n)
		}
	})

	t.Run("a retry after the login ended is refused, not given the dead token", func(t *testing.T) {
		e := newTwoInstances(t)
		code := e.code(t, "bea")
		first, err := e.auth[0].Login(ctx, LoginInput{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.auth[0].Logout(ctx, e.principal(t, first), Meta{}); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if _, err := e.auth[i].Login(ctx, LoginInput{Code: code}); ErrorCode(err) != CodeInvalidCode {
				t.Fatalf("instance %d: %v, want invalid_code", i, err)
			}
		}
	})

	t.Run("a failure that left the code unused lets a retry exchange it", func(t *testing.T) {
		e := newTwoInstances(t)
		code := e.code(t, "cid")
		if err := e.fake.AddFault(fakewechat.Fault{Endpoint: fakewechat.EndpointJSCode2Session, ErrCode: -1, Times: -1}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.auth[0].Login(ctx, LoginInput{Code: code}); ErrorCode(err) != CodeWeChatUnavailable {
			t.Fatalf("login while WeChat is busy: %v", err)
		}
		e.fake.ClearFaults()
		if _, err := e.auth[1].Login(ctx, LoginInput{Code: code}); err != nil {
			t.Fatalf("retry once WeChat answers: %v", err)
		}
	})

	t.Run("a bad code's answer is shared, without asking WeChat again", func(t *testing.T) {
		e := newTwoInstances(t)
		for i := range 2 {
			if _, err := e.auth[i].Login(ctx, LoginInput{Code: "never-issued-code"}); ErrorCode(err) != CodeInvalidCode {
				t.Fatalf("instance %d: %v, want invalid_code", i, err)
			}
		}
		if n := e.fake.Stats().JSCode2Session; n != 1 {
			t.Fatalf("WeChat saw %d exchanges of one bad code", n)
		}
	})

	t.Run("a claim whose request died mid-exchange is answered invalid_code", func(t *testing.T) {
		e := newTwoInstances(t)
		code := e.code(t, "dan")
		if _, err := e.store.ClaimCode(ctx, codeHash("login", fakewechat.DemoAppID, code), e.clock.Now(), nil); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(claimAbandoned + time.Second)
		if _, err := e.auth[1].Login(ctx, LoginInput{Code: code}); ErrorCode(err) != CodeInvalidCode {
			t.Fatalf("abandoned claim: %v, want invalid_code", err)
		}
		if n := e.fake.Stats().JSCode2Session; n != 0 {
			t.Fatalf("WeChat saw %d exchanges of a code another request may have used", n)
		}
	})

	t.Run("a duplicate still waiting at its deadline is told to retry", func(t *testing.T) {
		e := newTwoInstances(t)
		code := e.code(t, "eve")
		if _, err := e.store.ClaimCode(ctx, codeHash("login", fakewechat.DemoAppID, code), e.clock.Now(), nil); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if _, err := e.auth[1].Login(short, LoginInput{Code: code}); ErrorCode(err) != CodeServiceUnavailable {
			t.Fatalf("waiting duplicate at its deadline: %v, want service_unavailable", err)
		}
	})

	t.Run("a phone code is exchanged once and serves only its user", func(t *testing.T) {
		e := newTwoInstances(t)
		ann, err := e.auth[0].Login(ctx, LoginInput{Code: e.code(t, "ann")})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := e.auth[0].Login(ctx, LoginInput{Code: e.code(t, "bob")})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := e.fake.DevicePhone(fakewechat.DemoAppID, "ann", "+8613800001234")
		if err != nil {
			t.Fatal(err)
		}
		first, err := e.phones[0].BindByCode(ctx, e.principal(t, ann), ev.Code, Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := e.phones[1].BindByCode(ctx, e.principal(t, ann), ev.Code, Meta{}); err != nil || again != first {
			t.Fatalf("the same user's retry on the other instance: %+v %v", again, err)
		}
		if _, err := e.phones[1].BindByCode(ctx, e.principal(t, bob), ev.Code, Meta{}); ErrorCode(err) != CodeInvalidCode {
			t.Fatalf("another user's replay of the code: %v, want invalid_code", err)
		}
		if n := e.fake.Stats().PhoneCodesExchanged; n != 1 {
			t.Fatalf("WeChat exchanged (and billed) %d times one phone code", n)
		}
		// Another user trying a code first does not spoil it for its user:
		// WeChat refuses it to the wrong openid.
		stolen, err := e.fake.DevicePhone(fakewechat.DemoAppID, "ann", "+8613800001234")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.phones[0].BindByCode(ctx, e.principal(t, bob), stolen.Code, Meta{}); ErrorCode(err) != CodeInvalidCode {
			t.Fatalf("bob using ann's code first: %v, want invalid_code", err)
		}
		if _, err := e.phones[1].BindByCode(ctx, e.principal(t, ann), stolen.Code, Meta{}); err != nil {
			t.Fatalf("ann's code after bob tried it: %v", err)
		}
		// After the user bound another number, the old code answers nothing.
		other, err := e.fake.DevicePhone(fakewechat.DemoAppID, "ann", "+8613800005678")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.phones[0].BindByCode(ctx, e.principal(t, ann), other.Code, Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.phones[1].BindByCode(ctx, e.principal(t, ann), ev.Code, Meta{}); ErrorCode(err) != CodeInvalidCode {
			t.Fatalf("the old phone code after a new binding: %v, want invalid_code", err)
		}
	})
}

// The janitor forgets claims once WeChat's codes have expired, and nothing
// younger.
func TestTheJanitorForgetsOnlyWhatNoLongerCounts(t *testing.T) {
	e := newTwoInstances(t)
	ctx := context.Background()
	old, young := codeHash("login", "wx", "old"), codeHash("login", "wx", "young")
	if _, err := e.store.ClaimCode(ctx, old, e.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(ClaimTTL)
	if _, err := e.store.ClaimCode(ctx, young, e.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	j := NewJanitor(Deps{Store: e.store, Now: e.clock.Now}, 0)
	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CodeClaimOf(ctx, old); err == nil {
		t.Fatal("a claim older than a code's life was kept")
	}
	if _, err := e.store.CodeClaimOf(ctx, young); err != nil {
		t.Fatalf("a young claim was deleted: %v", err)
	}
}
