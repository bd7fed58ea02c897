package bench

import (
	"context"
	"errors"
	"io"
)

// ErrNoAdmin: the server has no admin dashboard to measure yet.
var ErrNoAdmin = errors.New("needs the admin dashboard (routes under /admin/), which this server does not have yet")

// Admin measures the admin pages. It is the seam for the admin dashboard:
// sign in with an admin account, then time the users list, the search by
// last four digits and by substring, the audit log by time range and the
// user detail, and report p50/p95 per page.
func Admin(ctx context.Context, t Target, load Load, out io.Writer) error {
	return ErrNoAdmin
}
