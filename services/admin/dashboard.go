package admin

import (
	"context"
	"github.com/mpauth/mpauth/services"
	"log/slog"
	"sync"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// Dashboard serves the admin pages: lists, details and the audited actions
// (reveal, export, block, revoke). Every method takes the signed-in admin;
// the role check lives here, so no page can forget it.
type Dashboard struct {
	store      *models.Store
	log        *slog.Logger
	clock      func() time.Time
	tokenState func(appID string) wechat.BrokerState

	mu         sync.Mutex
	closedDays map[string]DayStat // past days never change: counted once
}

// NewDashboard builds the dashboard's use cases. tokenState reports the
// access-token broker's view of an app (nil: the overview shows no broker).
func NewDashboard(d services.Deps, tokenState func(appID string) wechat.BrokerState) *Dashboard {
	d = d.Filled()
	return &Dashboard{store: d.Store, log: d.Logger, clock: d.Now, tokenState: tokenState}
}

// Count is a row count, exact or estimated from table statistics.
type Count struct {
	N         int64
	Estimated bool
}

// exactCountLimit: tables up to this size are counted exactly; beyond it the
// statistics' estimate is shown (counting millions of rows per page view is
// what this dashboard must never do).
const exactCountLimit = 10_000

func (d *Dashboard) tableSize(ctx context.Context, table string) (Count, error) {
	n, err := d.store.CountRowsUpTo(ctx, table, exactCountLimit+1)
	if err != nil {
		return Count{}, services.StoreError(err)
	}
	if n <= exactCountLimit {
		return Count{N: n}, nil
	}
	est, err := d.store.EstimateRows(ctx, table)
	if err != nil {
		return Count{}, services.StoreError(err)
	}
	return Count{N: max(est, n), Estimated: true}, nil
}

// checkPhoneMatches refuses a phone search that matches too many numbers
// to sort quickly (a few common digits): more digits narrow it.
func (d *Dashboard) checkPhoneMatches(ctx context.Context, m models.PhoneMatch) error {
	if m == (models.PhoneMatch{}) {
		return nil
	}
	n, err := d.store.CountPhoneMatches(ctx, m)
	if err != nil {
		return services.StoreError(err)
	}
	if n > models.MaxPhoneMatches {
		return invalid("More than 10,000 numbers match these digits: type more of them, or the last 4.")
	}
	return nil
}

// audit writes an admin audit row in its own transaction.
func (d *Dashboard) audit(ctx context.Context, row *models.AdminAudit) error {
	if err := d.store.AppendAdminAudit(ctx, row); err != nil {
		return services.StoreError(err)
	}
	return nil
}

// Apps lists the served apps' ids, for filter menus.
func (d *Dashboard) Apps(ctx context.Context) ([]string, error) {
	apps, err := d.store.ListApps(ctx)
	if err != nil {
		return nil, services.StoreError(err)
	}
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.AppID
	}
	return ids, nil
}

// Accounts lists the dashboard accounts' names, for the audit filter.
func (d *Dashboard) AdminNames(ctx context.Context) ([]string, error) {
	list, err := d.store.ListAdmins(ctx)
	if err != nil {
		return nil, services.StoreError(err)
	}
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Username
	}
	return names, nil
}

func (d *Dashboard) now() time.Time { return d.clock().UTC() }
