package wechat

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"
)

// RetryPolicy bounds how the client retries a call that WeChat answered with
// -1 (busy), or that failed before WeChat could answer. The zero value means
// 3 attempts, 100ms base delay, 1s cap.
type RetryPolicy struct {
	Attempts  int           // total attempts including the first; 1 disables retries
	BaseDelay time.Duration // delay before the second attempt, doubled each time
	MaxDelay  time.Duration // cap on a single delay
}

func (p RetryPolicy) attempts() int {
	if p.Attempts <= 0 {
		return 3
	}
	return p.Attempts
}

// delay is the pause before attempt n+1 after n failed attempts: exponential,
// capped, with "equal jitter" (half fixed, half random) so that instances that
// failed together do not retry together.
func (p RetryPolicy) delay(n int, jitter func(time.Duration) time.Duration) time.Duration {
	base, max := p.BaseDelay, p.MaxDelay
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	if max <= 0 {
		max = time.Second
	}
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + jitter(d/2)
}

// retryable reports whether a failed attempt may be sent again. -1 means
// WeChat did not process the call, so it is always safe. A transport failure
// is retried only when the endpoint is idempotent or the connection was never
// made: jscode2session and getuserphonenumber consume a single-use code, and
// replaying one whose answer was lost would turn a success into 40163/40029.
func retryable(err error, idempotent bool) bool {
	switch KindOf(err) {
	case KindBusy:
		return true
	case KindUnavailable:
		return idempotent || neverSent(err)
	}
	return false
}

// neverSent reports a failure to connect, after which WeChat cannot have
// seen the request.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// fitsDeadline reports whether sleeping d still leaves ctx time to act.
// Context deadlines run on the wall clock, whatever Client.Now says.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// randomDuration returns a uniformly random duration in [0, max).
func randomDuration(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}
