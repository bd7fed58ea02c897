package admin

import (
	"context"
	"fmt"
	"github.com/mpauth/mpauth/services"
	"time"

	"github.com/mpauth/mpauth/models"
)

// A viewer sees numbers masked (139****9002), and a search must not tell
// them more than that. Digits anywhere would: extending the known prefix
// one digit at a time and watching whether the user comes back recovers the
// hidden four in about 8 searches. So a viewer searches by the last 4
// digits, and finds only numbers whose mask shows them (8 digits or more;
// shorter masks show fewer), or by a whole number (a customer on the phone
// gives it); whole numbers are limited for the deployment, so that guessing
// through the 10,000 possible hidden digits of any mask is out of reach;
// and every phone search, by anyone, goes into the admin audit with its
// kind and how many rows it found, never its digits. Accounts, who may
// reveal numbers, search as they like.
const (
	viewerWholeNumberSearches = 20              // at once
	viewerWholeNumberEvery    = 3 * time.Minute // then one every 3 minutes (20 an hour)
)

var errViewerPhoneDigits = &services.Error{
	Code:    services.CodeForbidden,
	Message: "Viewers search phone numbers by the whole number or by its last 4 digits.",
}

// phoneSearchKind names the search for the audit: never its digits.
func phoneSearchKind(m models.PhoneMatch) string {
	switch {
	case m.E164 != "":
		return SearchPhone
	case m.Last4 != "":
		return SearchPhoneLast4
	default:
		return SearchPhoneContains
	}
}

// checkPhoneSearch applies the viewers' rule to a phone search (none: nil),
// narrowing a viewer's last-4 search to what masks show. A refused search
// is audited too: trying is worth knowing about.
func (d *Dashboard) checkPhoneSearch(ctx context.Context, who Principal, list string, m *models.PhoneMatch, meta services.Meta) error {
	if *m == (models.PhoneMatch{}) || who.IsAdmin() {
		return nil
	}
	if m.Last4 != "" {
		m.MinLength = services.Last4ShownFrom
	}
	var refused *services.Error
	switch {
	case m.Digits != "":
		refused = errViewerPhoneDigits
	case m.E164 != "":
		limit := &services.SharedLimiter{Store: d.store, Name: "viewer_phone_search", Limit: services.Limit{Burst: viewerWholeNumberSearches, Every: viewerWholeNumberEvery}}
		ok, wait, err := limit.Allow(ctx, fmt.Sprint(who.ID), d.now())
		if err != nil {
			return err
		}
		if !ok {
			refused = &services.Error{Code: services.CodeRateLimited, RetryAfter: wait,
				Message: "Too many whole-number searches for now: try again later, or search by the last 4 digits."}
		}
	}
	if refused != nil {
		d.auditPhoneSearch(ctx, who, list, *m, "refused: "+string(refused.Code), meta)
		return refused
	}
	return nil
}

// auditPhoneSearch records a phone search: who, the kind, the outcome.
func (d *Dashboard) auditPhoneSearch(ctx context.Context, who Principal, list string, m models.PhoneMatch, outcome string, meta services.Meta) {
	if m == (models.PhoneMatch{}) {
		return
	}
	row := auditRow(d.now(), &who, models.ActionPhoneSearch, models.TargetList, list, "", "kind="+phoneSearchKind(m)+" "+outcome, meta)
	if err := d.store.AppendAdminAudit(context.WithoutCancel(ctx), row); err != nil {
		d.log.ErrorContext(ctx, "admin audit write failed", "action", row.Action, "err", err.Error())
	}
}

// hitsOf says how many rows a search found: the page's, or more.
func hitsOf(rows int, more bool) string {
	if more {
		return fmt.Sprintf("hits=%d+", rows)
	}
	return fmt.Sprintf("hits=%d", rows)
}
