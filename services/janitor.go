package services

import (
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
	Store  *models.Store
	Logger *slog.Logger
	Now    func() time.Time
	Every  time.Duration // default one minute
}

// Run sweeps every Every until ctx ends.
func (j *Janitor) Run(ctx context.Context) {
	every := j.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := j.Sweep(ctx); err != nil && ctx.Err() == nil {
				j.Logger.WarnContext(ctx, "janitor sweep", "err", err.Error())
			}
		}
	}
}

// Sweep deletes once what is no longer needed at now.
func (j *Janitor) Sweep(ctx context.Context) error {
	now := time.Now().UTC()
	if j.Now != nil {
		now = j.Now().UTC()
	}
	_, err1 := j.Store.DeleteCodeClaimsBefore(ctx, now.Add(-ClaimTTL))
	_, err2 := j.Store.DeleteLegacyPhoneFailuresBefore(ctx, now.Add(-legacyWindow))
	_, err3 := j.Store.DeleteFullRateLimits(ctx, now)
	return errors.Join(err1, err2, err3)
}
