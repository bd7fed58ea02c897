package services

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mpauth/mpauth/models"
)

// exchangeOnce makes sure each wx.login code and phone code is exchanged
// with WeChat once for the whole deployment, and that every request with it
// gets the first exchange's answer. WeChat answers only the first exchange of
// a code (40163 for a login code, 40029 for a phone code), and a double tap
// or a retry after a lost answer can reach any instance.
//
// Within an instance, duplicates share one call (singleflight). Across
// instances, the first request claims the code in the code_claims table; the
// others read the claim until its answer is there.
type exchangeOnce struct {
	flight singleflight.Group
}

// claimed is the answer an exchange leaves for its duplicates.
type claimed struct {
	userID string
	result []byte
	// duplicate: the answer was read back from another request's claim,
	// which may have been made long enough ago for its login to have ended.
	duplicate bool
}

// How duplicates wait: they poll the claim, from every few milliseconds up
// to every 100 ms, within their own request's deadline. A claim still open
// after claimAbandoned belongs to a request that died mid-exchange: whether
// WeChat used the code is unknown, so the client must get a new one.
const (
	claimPollFirst = 5 * time.Millisecond
	claimPollMax   = 100 * time.Millisecond
	claimAbandoned = time.Minute
	// ClaimTTL is how long claims are kept: as long as WeChat's codes live.
	ClaimTTL = 5 * time.Minute
)

// codeHash names a code in code_claims without storing it.
func codeHash(kind, appID, code string) []byte {
	h := sha256.Sum256([]byte(kind + "\x00" + appID + "\x00" + code))
	return h[:16]
}

// codeExchange describes one flow's use of exchangeOnce.
type codeExchange struct {
	// answer, when not nil, is the answer stored with the claim itself,
	// before the exchange (a login's token, made in advance): the flow then
	// needs no write to record it, and settle decides when it holds.
	answer []byte
	// run makes the one exchange and returns the answer for this request
	// (and the duplicates on this instance).
	run func(ctx context.Context) (userID string, result []byte, err error)
	// settle, for a duplicate, reads a claim that has not failed: its answer
	// if the first request's work is done, ok false while it is not. Nil
	// means the answer is the one recorded after the exchange.
	settle func(ctx context.Context, cl models.CodeClaim) (c claimed, ok bool, err error)
}

// do runs the exchange for the code named hash unless another request
// already has: then it waits for that request's answer. The exchange runs
// whole even if the client hangs up, because WeChat will not answer its
// code twice.
func (o *exchangeOnce) do(ctx context.Context, store *models.Store, log *slog.Logger, hash []byte, now func() time.Time, x codeExchange) (claimed, error) {
	v, err, _ := o.flight.Do(string(hash), func() (any, error) {
		// A claim released after a failure that left the code unused (WeChat
		// unreachable) is claimed again, by whoever comes first.
		for range 3 {
			won, err := store.ClaimCode(ctx, hash, now(), x.answer)
			if err != nil {
				return claimed{}, StoreError(err)
			}
			if won {
				return o.exchange(ctx, store, log, hash, now, x)
			}
			c, released, err := o.await(ctx, store, hash, now, x)
			if !released {
				return c, err
			}
		}
		return claimed{}, &Error{Code: CodeServiceUnavailable, Message: "The service is busy; try again in a moment."}
	})
	c, _ := v.(claimed)
	return c, err
}

func (o *exchangeOnce) exchange(ctx context.Context, store *models.Store, log *slog.Logger, hash []byte, now func() time.Time, x codeExchange) (claimed, error) {
	ctx = context.WithoutCancel(ctx)
	userID, result, err := x.run(ctx)
	var done error
	switch {
	case err == nil && x.answer != nil:
	case err == nil:
		done = store.CompleteCodeClaim(ctx, models.CodeAnswer{Hash: hash, UserID: userID, Result: result}, now())
	case sharedFailure(err):
		var se *Error
		errors.As(err, &se)
		done = store.FailCodeClaim(ctx, hash, string(se.Code), se.Message, now())
	default:
		done = store.ReleaseCodeClaim(ctx, hash)
	}
	if done != nil {
		// This request's answer stands; duplicates wait for an answer that
		// will not come and are told to start again.
		log.ErrorContext(ctx, "record a code's exchange for its duplicates", "err", done.Error())
	}
	return claimed{userID: userID, result: result}, err
}

// sharedFailure: a failure that every duplicate would meet too, because the
// code is bad or this attempt used it up.
func sharedFailure(err error) bool {
	switch ErrorCode(err) {
	case CodeInvalidCode, CodeRiskBlocked, CodeUserBlocked, CodePhoneInUse, CodeInvalidRequest:
		return true
	}
	return false
}

// await reads the claim until its answer is there. released: the claim is
// gone (its exchange failed without using the code), so the caller may
// claim the code itself.
func (o *exchangeOnce) await(ctx context.Context, store *models.Store, hash []byte, now func() time.Time, x codeExchange) (c claimed, released bool, err error) {
	settle := x.settle
	if settle == nil {
		settle = settledWhenRecorded
	}
	wait := claimPollFirst
	for {
		cl, err := store.CodeClaimOf(ctx, hash)
		switch {
		case errors.Is(err, models.ErrNotFound):
			return claimed{}, true, nil
		case err != nil:
			return claimed{}, false, StoreError(err)
		case cl.Done() && cl.ErrorCode != "":
			return claimed{}, false, &Error{Code: Code(cl.ErrorCode), Message: cl.ErrorMessage}
		}
		if c, ok, err := settle(ctx, cl); ok || err != nil {
			c.duplicate = true
			return c, false, err
		}
		if now().Sub(cl.ClaimedAt) > claimAbandoned {
			return claimed{}, false, &Error{Code: CodeInvalidCode, Message: "This code's first request never finished; get a new code and try again."}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return claimed{}, false, &Error{Code: CodeServiceUnavailable, Message: "Another request with this code is still being answered; retry with the same code in a moment.", Cause: ctx.Err()}
		case <-t.C:
		}
		wait = min(2*wait, claimPollMax)
	}
}

// settledWhenRecorded: the answer is the one the first request recorded
// after its exchange.
func settledWhenRecorded(_ context.Context, cl models.CodeClaim) (claimed, bool, error) {
	if !cl.Done() || cl.UserID == nil {
		return claimed{}, false, nil
	}
	return claimed{userID: *cl.UserID, result: cl.Result}, true, nil
}
