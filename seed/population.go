package seed

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

const year = 365 * 24 * time.Hour

// population derives every attribute of user i from (seed, i) alone, so each
// table is generated in one pass without holding a million users in memory,
// and the audit rows can point at any user by index.
type population struct {
	users, audit, apps int
	seed               uint64
	start, end         time.Time
}

func newPopulation(o Options) *population {
	end := o.End.UTC().Truncate(time.Microsecond)
	return &population{users: o.Users, audit: o.Audit, apps: o.Apps, seed: o.Seed, start: end.Add(-year), end: end}
}

// person is one seeded user with what the other tables need of them.
type person struct {
	id            string
	createdAt     time.Time
	lastLoginAt   time.Time
	nickname      string
	blocked       bool
	blockedReason string
	blockedAt     time.Time
	unionID       string // "" for the ~70% without an open-platform account
	otherApp      int    // a second app the user also uses (by unionid), or -1
	phone         bool
	phoneSource   string
	boundAt       time.Time
}

// Shares of the population, in per mille where a share is small.
const (
	unionShare     = 0.30 // users with a unionid (app bound to an open-platform account)
	phoneShare     = 0.60 // users who bound a phone
	blockedPerMill = 3
)

var nicknames = []string{"微信用户", "微信用户", "微信用户", "小明", "Lily", "阿杰", "晴天", "Kevin", "小鱼儿", "王女士", "Momo", "老张"}

var blockReasons = []string{"spam registrations", "chargeback fraud", "abusive messages", "requested by the user"}

// createdAt spreads users evenly over the year in index order, so that ids
// (UUIDv7, time-ordered) and the created_at index are appended in order.
func (p *population) createdAt(i int, r *rand.Rand) time.Time {
	frac := (float64(i) + r.Float64()) / float64(max(p.users, 1))
	return p.start.Add(time.Duration(frac * float64(year))).Truncate(time.Microsecond)
}

func (p *population) person(i int) person {
	r := rand.New(rand.NewPCG(p.seed, uint64(i)))
	created := p.createdAt(i, r)
	u := person{createdAt: created, otherApp: -1}
	u.id = uuidV7(created, r)
	// Most users come back within days; a tail never returns.
	u.lastLoginAt = between(created, p.end, r.Float64()*r.Float64())
	if r.IntN(100) < 15 {
		u.nickname = nicknames[r.IntN(len(nicknames))]
	}
	if r.IntN(1000) < blockedPerMill {
		u.blocked = true
		u.blockedReason = blockReasons[r.IntN(len(blockReasons))]
		u.blockedAt = between(created, p.end, r.Float64())
	}
	if r.Float64() < unionShare {
		u.unionID = "o" + randomBase64URL(r, 27)
		if p.apps > 1 && r.IntN(2) == 0 {
			u.otherApp = 1 + r.IntN(p.apps-1)
		}
	}
	if r.Float64() < phoneShare {
		u.phone = true
		u.phoneSource = models.PhoneSourceCode
		if r.IntN(100) < 15 {
			u.phoneSource = models.PhoneSourceEncrypted // older clients still send encryptedData
		}
		// Most users bind at their first visit, some much later.
		u.boundAt = between(created, p.end, r.Float64()*r.Float64()*r.Float64())
	}
	return u
}

func (p *population) appSecret(i int) string {
	r := rand.New(rand.NewPCG(p.seed, 1<<63|uint64(i)))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], r.Uint64())
	return hex.EncodeToString(b[:])
}

// between returns the time at frac of the way from a to b.
func between(a, b time.Time, frac float64) time.Time {
	return a.Add(time.Duration(frac * float64(b.Sub(a)))).Truncate(time.Microsecond)
}

// uuidV7 builds the UUIDv7 a user created at t would have had (RFC 9562:
// 48-bit Unix milliseconds, version 7, variant 10, random bits).
func uuidV7(t time.Time, r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	binary.BigEndian.PutUint16(b[6:8], uint16(r.Uint32()))
	ms := uint64(t.UnixMilli())
	for k := range 6 {
		b[k] = byte(ms >> (8 * (5 - k)))
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return uuid.UUID(b).String()
}

func randomBase64URL(r *rand.Rand, n int) string {
	b := make([]byte, (n*6+7)/8+3)
	for k := range b {
		b[k] = byte(r.Uint32())
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// table is one table's rows, produced on demand: next fills row and reports
// whether there was one. total is the row count when known up front, else 0.
type table struct {
	name    string
	columns []string
	total   int
	next    func(row []any) bool
}

func (p *population) usersTable() table {
	i := 0
	return table{
		name:    "users",
		columns: []string{"id", "nickname", "status", "blocked_reason", "blocked_at", "created_at", "last_login_at"},
		total:   p.users,
		next: func(row []any) bool {
			if i >= p.users {
				return false
			}
			u := p.person(i)
			i++
			status, blockedAt := models.UserActive, any(nil)
			if u.blocked {
				status, blockedAt = models.UserBlocked, u.blockedAt
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = u.id, u.nickname, status, u.blockedReason, blockedAt, u.createdAt, u.lastLoginAt
			return true
		},
	}
}

// identitiesTable gives every user an identity in the first app, and half of
// the unionid holders a second one in another app (the same person met in
// two mini programs of one company).
func (p *population) identitiesTable() table {
	i, pendingOther := 0, false
	var u person
	return table{
		name:    "wechat_identities",
		columns: []string{"app_id", "openid", "unionid", "user_id", "created_at", "last_login_at"},
		next: func(row []any) bool {
			if pendingOther {
				pendingOther = false
				created := between(u.createdAt, u.lastLoginAt, 0.5)
				fill(row, AppID(u.otherApp), fakewechat.OpenID(AppID(u.otherApp), DeviceUser(i-1)), u.unionID, u.id, created, u.lastLoginAt)
				return true
			}
			if i >= p.users {
				return false
			}
			u = p.person(i)
			fill(row, AppID(0), fakewechat.OpenID(AppID(0), DeviceUser(i)), nullable(u.unionID), u.id, u.createdAt, u.lastLoginAt)
			i++
			pendingOther = u.otherApp > 0
			return true
		},
	}
}

func (p *population) phonesTable() table {
	i := 0
	return table{
		name:    "phone_bindings",
		columns: []string{"user_id", "phone_e164", "country_code", "pure_number", "source", "app_id", "bound_at"},
		next: func(row []any) bool {
			for ; i < p.users; i++ {
				u := p.person(i)
				if !u.phone {
					continue
				}
				n := Phone(i, 0)
				fill(row, u.id, "+86"+n, "86", n, u.phoneSource, AppID(0), u.boundAt)
				i++
				return true
			}
			return false
		},
	}
}

func (p *population) phoneEventsTable() table {
	i := 0
	return table{
		name:    "phone_binding_events",
		columns: []string{"user_id", "event", "phone_e164", "previous_e164", "source", "actor", "created_at"},
		next: func(row []any) bool {
			for ; i < p.users; i++ {
				u := p.person(i)
				if !u.phone {
					continue
				}
				fill(row, u.id, "bind", "+86"+Phone(i, 0), "", u.phoneSource, "user", u.boundAt)
				i++
				return true
			}
			return false
		},
	}
}

func fill(row []any, v ...any) { copy(row, v) }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// auditTable writes the login trail in time order: each row at an evenly
// spread instant of the year, by a user who existed by then.
func (p *population) auditTable() table {
	r := rand.New(rand.NewPCG(p.seed, 1<<62))
	j := 0
	return table{
		name:    "login_audit",
		columns: []string{"created_at", "app_id", "user_id", "event", "result", "wechat_errcode", "error_code", "reason", "ip", "user_agent", "request_id"},
		total:   p.audit,
		next: func(row []any) bool {
			if j >= p.audit || p.users == 0 {
				return false
			}
			frac := (float64(j) + r.Float64()) / float64(p.audit)
			j++
			at := p.start.Add(time.Duration(frac * float64(year))).Truncate(time.Microsecond)
			k := r.IntN(min(int(frac*float64(p.users))+1, p.users))
			u := p.person(k)
			o := pickOutcome(r)
			app := AppID(0)
			if u.otherApp > 0 && r.IntN(4) == 0 {
				app = AppID(u.otherApp)
			}
			var userID, errcode any
			if o.withUser {
				userID = u.id
			}
			if o.errcode != 0 {
				errcode = o.errcode
			}
			reason := o.reason
			if o.code == "user_blocked" {
				reason = "user " + u.id + " is blocked"
			}
			fill(row, at, app, userID, o.event, o.result, errcode, o.code, reason, randomIP(r), userAgents[r.IntN(len(userAgents))], randomRequestID(r))
			return true
		},
	}
}

// outcome is one kind of audit row and its weight in the trail.
type outcome struct {
	weight   int // per 10 000 rows
	event    string
	result   string
	code     string // our error code, "" on success
	errcode  int    // WeChat's, 0 for none
	withUser bool   // failures before code2Session know no user
	reason   string
}

// outcomes: mostly successful logins; failures in the proportions a
// deployment sees (expired codes dominate, WeChat hiccups and risk control
// are rare), worded like the services write them.
var outcomes = []outcome{
	{7600, models.EventLogin, models.ResultSuccess, "", 0, true, ""},
	{260, models.EventLogin, models.ResultFailure, "invalid_code", 40029, false, "wechat jscode2session: errcode 40029 (invalid_code): invalid code"},
	{40, models.EventLogin, models.ResultFailure, "invalid_code", 40163, false, "wechat jscode2session: errcode 40163 (code_used): code been used"},
	{60, models.EventLogin, models.ResultFailure, "wechat_unavailable", -1, false, "wechat jscode2session: errcode -1 (busy): system error"},
	{20, models.EventLogin, models.ResultFailure, "wechat_unavailable", 0, false, "wechat jscode2session: unavailable: context deadline exceeded"},
	{30, models.EventLogin, models.ResultFailure, "rate_limited", 45011, false, "wechat jscode2session: errcode 45011 (rate_limited): api minute-quota reach limit"},
	{20, models.EventLogin, models.ResultFailure, "rate_limited", 0, false, "rate_limited: Too many login attempts; try again later."},
	{15, models.EventLogin, models.ResultFailure, "risk_blocked", 40226, false, "wechat jscode2session: errcode 40226 (risk_blocked): code blocked"},
	{5, models.EventLogin, models.ResultFailure, "user_blocked", 0, true, ""},
	{620, models.EventPhoneCode, models.ResultSuccess, "", 0, true, ""},
	{40, models.EventPhoneCode, models.ResultFailure, "invalid_code", 40029, true, "wechat getuserphonenumber: errcode 40029 (invalid_code): invalid code"},
	{10, models.EventPhoneCode, models.ResultFailure, "phone_in_use", 0, true, "number bound to another user"},
	{10, models.EventPhoneCode, models.ResultFailure, "rate_limited", 0, true, "rate_limited: Too many phone number requests; try again later."},
	{5, models.EventPhoneCode, models.ResultFailure, "wechat_unavailable", -1, true, "wechat getuserphonenumber: errcode -1 (busy): system error"},
	{90, models.EventPhoneEncrypted, models.ResultSuccess, "", 0, true, ""},
	{25, models.EventPhoneEncrypted, models.ResultFailure, "relogin_required", 0, true, "current key: wechat: decrypt open data: padding"},
	{1150, models.EventLogout, models.ResultSuccess, "", 0, true, ""},
}

func pickOutcome(r *rand.Rand) outcome {
	n := r.IntN(10_000)
	for _, o := range outcomes {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return outcomes[0]
}

// userAgents are what wx.request sends from the WeChat app.
var userAgents = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G Language/zh_CN",
	"Mozilla/5.0 (Linux; Android 14; 23127PN0CC Build/UKQ1.230804.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240404 MMWEBID/2307 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64 MiniProgramEnv/android",
	"Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 MiniProgramEnv/android",
	"Mozilla/5.0 (Linux; Android 12; PFFM10 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110029 MMWEBSDK/20230805 MicroMessenger/8.0.42.2460(0x28002A35) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64 MiniProgramEnv/android",
	"Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) XWEB/11275",
}

// Carrier address blocks; about one request in seven comes over IPv6.
var ipv4Blocks = []byte{36, 39, 42, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 117, 119, 120, 121, 122, 123, 124, 125, 175, 180, 182, 183, 218, 219, 220, 221, 222, 223}

var ipv6Prefixes = []string{"240e:", "2409:8", "2408:8"}

func randomIP(r *rand.Rand) string {
	if r.IntN(7) == 0 {
		v := r.Uint64()
		return ipv6Prefixes[r.IntN(len(ipv6Prefixes))] + strconv.FormatUint(v>>52, 16) + ":" +
			strconv.FormatUint(v>>36&0xffff, 16) + ":" + strconv.FormatUint(v>>20&0xffff, 16) + "::" + strconv.FormatUint(v&0xffff, 16)
	}
	v := r.Uint32()
	return strconv.Itoa(int(ipv4Blocks[r.IntN(len(ipv4Blocks))])) + "." + strconv.Itoa(int(v>>16&0xff)) + "." +
		strconv.Itoa(int(v>>8&0xff)) + "." + strconv.Itoa(int(v&0xff))
}

// randomRequestID has the server's shape: 12 random bytes in hex.
func randomRequestID(r *rand.Rand) string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint32(b[8:], r.Uint32())
	return hex.EncodeToString(b[:])
}
