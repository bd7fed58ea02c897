package admin

import (
	"context"
	"fmt"
	"github.com/mpauth/mpauth/services"
	"time"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat"
)

// Overview is the dashboard's first page.
type Overview struct {
	AsOf         time.Time
	Users        Count
	BoundPhones  Count
	LoginsToday  models.LoginCounts
	FailureRate  float64 // failed share of today's login attempts, 0..1
	Days         []DayStat
	TopErrCodes  []ErrCodeStat
	Tokens       []TokenStat
	PaidToday    int64
	PaidMonth    int64
	CostToday    string // CNY, at PhoneVerificationFen each
	CostMonth    string
	ErrCodeSince time.Time
}

// DayStat is one day of the chart (a day in DisplayZone()).
type DayStat struct {
	Day      time.Time
	Logins   int64 // successful logins
	Bindings int64 // numbers bound or replaced
}

// ErrCodeStat is one of the most frequent WeChat errcodes.
type ErrCodeStat struct {
	Code    int
	Meaning string
	N       int64
}

// TokenStat is the access-token broker's view of one app. It carries no
// token: wechat.BrokerState has none to carry.
type TokenStat struct {
	AppID string
	wechat.BrokerState
}

// PhoneVerificationFen is what WeChat charges for one successful phone
// number exchange beyond the free quota: 0.03 CNY.
const PhoneVerificationFen = 3

// ChartDays is the chart's length.
const ChartDays = 30

// errCodeWindow: the top errcodes are counted over the last week.
const errCodeWindow = 7 * 24 * time.Hour

// Overview gathers the first page. Its queries read indexes only, and a day
// that is over is counted once per process (the audit is append-only).
func (d *Dashboard) Overview(ctx context.Context, who Principal) (Overview, error) {
	if err := requireSignedIn(who); err != nil {
		return Overview{}, err
	}
	o := Overview{AsOf: d.now()}
	var err error
	if o.Users, err = d.tableSize(ctx, models.TableUsers); err != nil {
		return Overview{}, err
	}
	if o.BoundPhones, err = d.tableSize(ctx, models.TablePhoneBindings); err != nil {
		return Overview{}, err
	}
	now := d.now()
	today := startOfDay(now)
	if o.LoginsToday, err = d.store.CountLogins(ctx, today, today.AddDate(0, 0, 1)); err != nil {
		return Overview{}, services.StoreError(err)
	}
	if total := o.LoginsToday.Success + o.LoginsToday.Failure; total > 0 {
		o.FailureRate = float64(o.LoginsToday.Failure) / float64(total)
	}
	if o.Days, err = d.chartDays(ctx, today); err != nil {
		return Overview{}, err
	}
	o.ErrCodeSince = now.Add(-errCodeWindow)
	codes, err := d.store.TopWeChatErrCodes(ctx, o.ErrCodeSince, 8)
	if err != nil {
		return Overview{}, services.StoreError(err)
	}
	for _, c := range codes {
		o.TopErrCodes = append(o.TopErrCodes, ErrCodeStat{Code: c.ErrCode, Meaning: errCodeMeaning[c.ErrCode], N: c.N})
	}
	if d.tokenState != nil {
		apps, err := d.Apps(ctx)
		if err != nil {
			return Overview{}, err
		}
		for _, app := range apps {
			o.Tokens = append(o.Tokens, TokenStat{AppID: app, BrokerState: d.tokenState(app)})
		}
	}
	day := wechat.BillingDay(now)
	if o.PaidToday, err = d.store.PhoneVerifications(ctx, day, day); err != nil {
		return Overview{}, services.StoreError(err)
	}
	if o.PaidMonth, err = d.store.PhoneVerifications(ctx, day[:8]+"01", day); err != nil {
		return Overview{}, services.StoreError(err)
	}
	o.CostToday, o.CostMonth = yuan(o.PaidToday*PhoneVerificationFen), yuan(o.PaidMonth*PhoneVerificationFen)
	return o, nil
}

// chartDays counts the last ChartDays days up to today. A day that is over
// never changes (the audit is append-only), so after the first view only
// today is counted; the first view counts the month in one grouped pass per
// table.
func (d *Dashboard) chartDays(ctx context.Context, today time.Time) ([]DayStat, error) {
	first := today.AddDate(0, 0, -(ChartDays - 1))
	from := today
	for i := range ChartDays - 1 {
		if _, ok := d.cachedDay(dayKey(first.AddDate(0, 0, i))); !ok {
			from = first.AddDate(0, 0, i)
			break
		}
	}
	end := today.AddDate(0, 0, 1)
	offset := offsetOf(DisplayZone())
	logins, err := d.store.LoginsPerDay(ctx, from, end, offset)
	if err != nil {
		return nil, services.StoreError(err)
	}
	binds, err := d.store.PhoneBindsPerDay(ctx, from, end, offset)
	if err != nil {
		return nil, services.StoreError(err)
	}
	fresh := map[string]*DayStat{}
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		fresh[dayKey(day)] = &DayStat{Day: day}
	}
	for _, c := range logins {
		if s, ok := fresh[c.Day]; ok && c.Result == models.ResultSuccess {
			s.Logins = c.N
		}
	}
	for _, c := range binds {
		if s, ok := fresh[c.Day]; ok {
			s.Bindings = c.N
		}
	}
	days := make([]DayStat, 0, ChartDays)
	for i := range ChartDays {
		day := first.AddDate(0, 0, i)
		if s, ok := fresh[dayKey(day)]; ok {
			if day.Before(today) {
				d.cacheDay(dayKey(day), *s, today)
			}
			days = append(days, *s)
			continue
		}
		s, _ := d.cachedDay(dayKey(day))
		days = append(days, s)
	}
	return days, nil
}

// dayKey names a day (midnight in DisplayZone(), as UTC) as the database does.
func dayKey(t time.Time) string { return t.In(DisplayZone()).Format(time.DateOnly) }

func offsetOf(z *time.Location) time.Duration {
	_, secs := time.Now().In(z).Zone()
	return time.Duration(secs) * time.Second
}

func (d *Dashboard) cachedDay(key string) (DayStat, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.closedDays[key]
	return s, ok
}

func (d *Dashboard) cacheDay(key string, s DayStat, today time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closedDays == nil {
		d.closedDays = map[string]DayStat{}
	}
	d.closedDays[key] = s
	for k, v := range d.closedDays { // keep the cache to the chart's window
		if today.Sub(v.Day) > (ChartDays+1)*24*time.Hour {
			delete(d.closedDays, k)
		}
	}
}

// startOfDay is midnight of t's day in DisplayZone(), in UTC.
func startOfDay(t time.Time) time.Time {
	l := t.In(DisplayZone())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, DisplayZone()).UTC()
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// errCodeMeaning names the errcodes a login or phone exchange meets
// (jscode2session, getuserphonenumber, the token endpoints).
var errCodeMeaning = map[int]string{
	-1:      "WeChat busy",
	40001:   "access token invalid",
	40013:   "invalid appid",
	40029:   "invalid or expired code",
	40125:   "invalid AppSecret",
	40163:   "code already used",
	40164:   "IP not in the API allow list",
	40226:   "high-risk user blocked",
	42001:   "access token expired",
	45009:   "daily API quota reached",
	45011:   "too many requests",
	87009:   "invalid signature",
	1400001: "phone number quota used up",
}
