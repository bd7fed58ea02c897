package admin

import (
	"context"
	"github.com/mpauth/mpauth/services"
	"strings"
	"time"

	"github.com/mpauth/mpauth/models"
)

// PhoneQuery is the phone bindings list's filter, as typed into the form.
type PhoneQuery struct {
	Search     string
	SearchKind string // SearchAuto or one of the phone kinds
	AppID      string
	Source     string
	BoundFrom  string // YYYY-MM-DD, inclusive
	BoundTo    string // YYYY-MM-DD, inclusive
	After      string
}

// PhoneRow is one binding: masked always, full only in an unmasked export.
type PhoneRow struct {
	UserID      string
	CountryCode string
	Masked      string
	FullPhone   string
	Source      string
	AppID       string
	BoundAt     time.Time
}

// PhonePage is one page of the phone bindings list.
type PhonePage struct {
	Rows  []PhoneRow
	Next  string
	Total *Count
}

func phoneRow(p models.PhoneBinding, unmasked bool) PhoneRow {
	r := PhoneRow{UserID: p.UserID, CountryCode: p.CountryCode, Masked: maskNumber(p.CountryCode, p.PureNumber), Source: p.Source, AppID: p.AppID, BoundAt: p.BoundAt}
	if unmasked {
		r.FullPhone = p.PhoneE164
	}
	return r
}

func (q PhoneQuery) filtered() bool {
	return strings.TrimSpace(q.Search) != "" || q.AppID != "" || q.Source != "" || q.BoundFrom != "" || q.BoundTo != ""
}

func (q PhoneQuery) filter() (models.PhoneFilter, *models.TimeKey, error) {
	var f models.PhoneFilter
	if err := checkFilterText(q.AppID, q.After); err != nil {
		return f, nil, err
	}
	kind := q.SearchKind
	if kind != SearchAuto && kind != SearchPhone && kind != SearchPhoneLast4 && kind != SearchPhoneContains {
		return f, nil, invalid("Unknown search kind.")
	}
	if strings.TrimSpace(q.Search) != "" {
		if _, ok := phoneDigits(strings.TrimSpace(q.Search)); !ok {
			return f, nil, invalid("Search phone bindings by digits: the whole number, the last 4, or 4 or more digits.")
		}
	}
	s, err := parseSearch(q.Search, kind)
	if err != nil {
		return f, nil, err
	}
	f.Phone = s.phone
	f.AppID = strings.TrimSpace(q.AppID)
	switch q.Source {
	case "", models.PhoneSourceCode, models.PhoneSourceEncrypted:
		f.Source = q.Source
	default:
		return f, nil, invalid("Unknown source.")
	}
	if f.BoundFrom, err = parseDay(q.BoundFrom, false); err != nil {
		return f, nil, err
	}
	if f.BoundTo, err = parseDay(q.BoundTo, true); err != nil {
		return f, nil, err
	}
	after, err := decodeTimeKey(q.After)
	return f, after, err
}

// Phones returns one page of phone bindings, most recently bound first.
func (d *Dashboard) Phones(ctx context.Context, who Principal, q PhoneQuery, m services.Meta) (PhonePage, error) {
	if err := requireSignedIn(who); err != nil {
		return PhonePage{}, err
	}
	f, after, err := q.filter()
	if err != nil {
		return PhonePage{}, err
	}
	if err := d.checkPhoneSearch(ctx, who, ExportPhones, &f.Phone, m); err != nil {
		return PhonePage{}, err
	}
	if err := d.checkPhoneMatches(ctx, f.Phone); err != nil {
		return PhonePage{}, err
	}
	rows, next, err := d.phoneRows(ctx, f, after, PageSize, false)
	if err != nil {
		return PhonePage{}, err
	}
	d.auditPhoneSearch(ctx, who, ExportPhones, f.Phone, hitsOf(len(rows), next != nil), m)
	page := PhonePage{Rows: rows}
	if next != nil {
		page.Next = encodeTimeKey(*next)
	}
	if !q.filtered() && after == nil {
		c, err := d.tableSize(ctx, models.TablePhoneBindings)
		if err != nil {
			return PhonePage{}, err
		}
		page.Total = &c
	}
	return page, nil
}

func (d *Dashboard) phoneRows(ctx context.Context, f models.PhoneFilter, after *models.TimeKey, limit int, unmasked bool) ([]PhoneRow, *models.TimeKey, error) {
	list, err := d.store.ListPhoneBindings(ctx, f, after, limit+1)
	if err != nil {
		return nil, nil, services.StoreError(err)
	}
	var next *models.TimeKey
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = &models.TimeKey{At: last.BoundAt, ID: last.UserID}
	}
	rows := make([]PhoneRow, len(list))
	for i, p := range list {
		rows[i] = phoneRow(p, unmasked)
	}
	return rows, next, nil
}
