package attack

import (
	"fmt"
	"sync"
	"testing"
)

// The same wx.login code, or the same phone code, reaches several instances
// of one deployment: a double tap that the load balancer spreads, or a
// retry after an answer was lost. WeChat answers only the first exchange of
// a code (40163 for a login code, 40029 for a phone code), so each instance
// exchanging it for itself fails all but one request. However many
// instances a code reaches, at once or one after another, WeChat must see
// one exchange and every request must get the same answer.
func TestADoubleTapAcrossInstancesCostsNothing(t *testing.T) {
	t.Parallel()
	db := sharedPostgres(t)
	fake := startFake(t)
	instances := []*instance{startInstance(t, db, fake, nil), startInstance(t, db, fake, nil), startInstance(t, db, fake, nil)}

	// atOnce sends the same request to every instance at the same moment.
	atOnce := func(send func(in *instance) answer) []answer {
		out := make([]answer, len(instances))
		var ready, done sync.WaitGroup
		start := make(chan struct{})
		for i, in := range instances {
			ready.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				ready.Done()
				<-start
				out[i] = send(in)
			}()
		}
		ready.Wait()
		close(start)
		done.Wait()
		return out
	}
	// inTurn sends it to each instance after the previous one answered.
	inTurn := func(send func(in *instance) answer) []answer {
		var out []answer
		for _, in := range instances {
			out = append(out, send(in))
		}
		return out
	}

	for round := range 5 {
		for o, order := range []struct {
			name string
			send func(func(*instance) answer) []answer
		}{{"at once", atOnce}, {"in turn", inTurn}} {
			t.Run(fmt.Sprintf("login code %s, round %d", order.name, round), func(t *testing.T) {
				before := fake.stats(t).JSCode2Session
				code := fake.login(t, fmt.Sprintf("tapper-%s-%d", order.name, round))
				answers := order.send(func(in *instance) answer {
					return call(t, "POST", in.base+"/api/v1/login", "", map[string]string{"code": code})
				})
				users := map[any]bool{}
				for i, a := range answers {
					if a.Status != 200 {
						t.Fatalf("instance %d: %s", i, a)
					}
					users[a.Body["user"].(map[string]any)["id"]] = true
					if me := call(t, "GET", instances[(i+1)%3].base+"/api/v1/me", a.Body["token"].(string), nil); me.Status != 200 {
						t.Fatalf("the token instance %d gave: %s", i, me)
					}
				}
				if len(users) != 1 {
					t.Fatalf("one code logged in %d different users", len(users))
				}
				if n := fake.stats(t).JSCode2Session - before; n != 1 {
					t.Fatalf("WeChat saw %d exchanges of one code", n)
				}
			})

			t.Run(fmt.Sprintf("phone code %s, round %d", order.name, round), func(t *testing.T) {
				user := fmt.Sprintf("binder-%s-%d", order.name, round)
				token, _ := logIn(t, instances[0], fake, user)
				before := fake.stats(t).GetUserPhoneNumber
				ev := fake.tapPhone(t, user, fmt.Sprintf("+86137%08d", round*10+o))
				answers := order.send(func(in *instance) answer {
					return call(t, "POST", in.base+"/api/v1/phone", token, map[string]string{"code": ev.Code})
				})
				for i, a := range answers {
					if a.Status != 200 || string(a.Raw) != string(answers[0].Raw) {
						t.Fatalf("instance %d: %s (instance 0: %s)", i, a, answers[0])
					}
				}
				if n := fake.stats(t).GetUserPhoneNumber - before; n != 1 {
					t.Fatalf("WeChat saw %d exchanges of one phone code", n)
				}
				// Another user holding the same code gets nothing from it.
				thief, _ := logIn(t, instances[1], fake, user+"-thief")
				if a := call(t, "POST", instances[2].base+"/api/v1/phone", thief, map[string]string{"code": ev.Code}); a.Status == 200 {
					t.Fatalf("another user's replay of the phone code bound it: %s", a)
				}
			})
		}
	}
}

// The limits that protect money (every phone-code exchange is billed) hold
// for the deployment, not for each instance: a user spreading requests over
// three instances gets the limit once, not three times.
func TestPaidPhoneLimitsHoldAcrossInstances(t *testing.T) {
	t.Parallel()
	db := sharedPostgres(t)
	fake := startFake(t)
	limited := map[string]string{"MPAUTH_RATE_PHONE_PER_USER": "3/1h"}
	instances := []*instance{startInstance(t, db, fake, limited), startInstance(t, db, fake, limited), startInstance(t, db, fake, limited)}
	token, _ := logIn(t, instances[0], fake, "spender")
	ok := 0
	for i := range 9 {
		ev := fake.tapPhone(t, "spender", "+8613600000001")
		a := call(t, "POST", instances[i%3].base+"/api/v1/phone", token, map[string]string{"code": ev.Code})
		switch {
		case a.Status == 200:
			ok++
		case a.errorCode() != "rate_limited":
			t.Fatalf("bind %d: %s", i, a)
		}
	}
	if ok != 3 {
		t.Fatalf("%d paid phone bindings over three instances with a limit of 3", ok)
	}
	if n := fake.stats(t).PhoneCodesExchanged; n != 3 {
		t.Fatalf("WeChat billed %d phone codes, want 3", n)
	}
}
