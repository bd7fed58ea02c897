package services

import (
	"log/slog"
	"time"

	"github.com/mpauth/mpauth/models"
)

// Deps are what the flows are built from. The constructors fill the
// defaults once: a logger that discards, and the wall clock. In production
// the composition root (cmd/serve.go) passes one clock to every flow and to
// the store, so that every expiry and window is testable without sleeping.
type Deps struct {
	Store  *models.Store
	WeChat WeChat
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
}

// Filled returns d with its defaults.
func (d Deps) Filled() Deps {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}
