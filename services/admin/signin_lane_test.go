package admin

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mpauth/mpauth/dbtest"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
)

// A flood of sign-ins from unknown browsers fills their lane and is turned
// away at once, without a database query or a password check; the browser
// the admin signed in with before has a lane of its own and gets through.
func TestASignInFloodNeitherQueuesNorKeepsTheAdminOut(t *testing.T) {
	ctx := context.Background()
	a := NewAccounts(services.Deps{Store: dbtest.New(t)}, SignInPolicy{})
	if _, err := a.CreateAdmin(ctx, "root", "the admin's password", models.RoleAdmin, CLIActor); err != nil {
		t.Fatal(err)
	}
	first, err := a.SignIn(ctx, SignInRequest{Username: "root", Password: "the admin's password"})
	if err != nil {
		t.Fatal(err)
	}

	// The flood: the unknown lane is taken and full.
	if err := a.unknown.turn.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.unknown.count.Store(maxSignInQueue)
	defer func() { a.unknown.count.Store(0); a.unknown.turn.Release(1) }()

	var wg sync.WaitGroup
	refused := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.SignIn(ctx, SignInRequest{Username: "root", Password: "a guess"})
			refused <- err
		}()
	}
	wg.Wait()
	close(refused)
	for err := range refused {
		if !errors.Is(err, ErrSignInBusy) {
			t.Fatalf("an attempt beyond the queue: %v, want ErrSignInBusy at once", err)
		}
	}

	done := make(chan error, 1)
	go func() {
		_, err := a.SignIn(ctx, SignInRequest{Username: "root", Password: "the admin's password", Device: first.Device})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the admin's known browser during the flood: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the admin's known browser waited behind the flood")
	}

	// Another account's genuine device cookie does not open the known lane
	// for this account: it waits with everyone else, and is turned away.
	if _, err := a.CreateAdmin(ctx, "vera", "the viewer's password", models.RoleViewer, CLIActor); err != nil {
		t.Fatal(err)
	}
	a.unknown.count.Store(0)
	a.unknown.turn.Release(1)
	vera, err := a.SignIn(ctx, SignInRequest{Username: "vera", Password: "the viewer's password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.unknown.turn.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.unknown.count.Store(maxSignInQueue)
	if _, err := a.SignIn(ctx, SignInRequest{Username: "root", Password: "a guess", Device: vera.Device}); !errors.Is(err, ErrSignInBusy) {
		t.Fatalf("another account's device cookie: %v, want the unknown lane's ErrSignInBusy", err)
	}
}
