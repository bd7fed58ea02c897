package services

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mpauth/mpauth/models"
)

// Janitor deletes the rows the deployment-wide limits and code claims no
// longer need: claims older than a code's life, legacy phone failures
// outside their window, and rate-limit buckets that are full again. Every
// instance runs one; the deletes are idempotent, so they need no leader.
type Janitor struct {
	store *models.Store
	log   *slog.Logger
	clock func() time.Time
	every time.Duration
}

// NewJanitor builds a janitor that sweeps every so often (default a minute).
func NewJanitor(d Deps, every time.Duration) *Janitor {
	d = d.Filled()
	return &Janitor{store: d.Store, log: d.Logger, clock: d.Now, every: cmp.Or(every, time.Minute)}
}

// Run sweeps until ctx ends.
func (j *Janitor) Run(ctx context.Context) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := j.Sweep(ctx); err != nil && ctx.Err() == nil {
				j.log.WarnContext(ctx, "janitor sweep", "err", err.Error())
			}
		}
	}
}

// Sweep deletes once what is no longer needed at now.
func (j *Janitor) Sweep(ctx context.Context) error {
	now := j.clock().UTC()
	_, err1 := j.store.DeleteCodeClaimsBefore(ctx, now.Add(-ClaimTTL))
	_, err2 := j.store.DeleteLegacyPhoneFailuresBefore(ctx, now.Add(-legacyWindow))
	_, err3 := j.store.DeleteFullRateLimits(ctx, now)
	return errors.Join(err1, err2, err3)
}
