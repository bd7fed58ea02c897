package services

import (
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"

	"github.com/google/uuid"
)

// loginReplay remembers the answer to each wx.login code for a while, so the
// same code sent again (a double tap, a retry after a lost answer) gets the
// same login: WeChat answers a second exchange of a code with 40163.
//
// Every login adds an entry, so memory follows the login rate. An entry
// holds no pointers (the GC never scans it) and costs about 220 bytes with
// the map's slack; entries leave in the order they came, after ttl or, past
// max entries, early. The default max holds two minutes of logins up to
// 270/s and, at 2 000/s, the last 16 s (the mini program's request timeout
// is 15 s), in at most about 7 MB. Unbounded, two minutes at 2 000/s were
// 100 MB of live heap and the server's RSS reached 149 MB. A repeat that
// comes too late meets WeChat's 40163 and the client logs in afresh.
type loginReplay struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	byKey map[replayKey]replayEntry
	fifo  []replayRef // insertion order; entries leave from fifo[head]
	head  int
}

// Defaults: long enough for a retry after a lost answer, short next to a
// token's life; and a bound on memory whatever the login rate.
const (
	replayTTL        = 2 * time.Minute
	replayMaxEntries = 1 << 15
)

// replayKey is the first half of SHA-256(appid, code): codes are never
// stored, and 128 bits do not collide among the codes of two minutes.
type replayKey [16]byte

type replayRef struct {
	key replayKey
	at  int64
}

type replayEntry struct {
	at         int64 // unix nanoseconds
	expiresAt  int64
	token      [32]byte // the login token's random bytes
	userID     uuid.UUID
	phoneBound bool
	isNew      bool
}

func newReplayKey(appID, code string) replayKey {
	h := sha256.Sum256([]byte(appID + "\x00" + code))
	return replayKey(h[:16])
}

// get returns the answer remembered for k, if it is younger than ttl.
func (r *loginReplay) get(k replayKey, now time.Time) (LoginResult, bool) {
	r.mu.Lock()
	e, ok := r.byKey[k]
	r.mu.Unlock()
	if ttl, _ := r.limits(); !ok || now.UnixNano()-e.at > ttl {
		return LoginResult{}, false
	}
	return LoginResult{
		Token:      base64.RawURLEncoding.EncodeToString(e.token[:]),
		ExpiresAt:  time.Unix(0, e.expiresAt).UTC(),
		UserID:     e.userID.String(),
		PhoneBound: e.phoneBound,
		IsNew:      e.isNew,
	}, true
}

// put remembers res as the answer for k. A result it cannot pack (a token
// or user id of another shape) is not remembered: a repeat of that code then
// meets WeChat's 40163, which the login reports as a used code.
func (r *loginReplay) put(k replayKey, res LoginResult, now time.Time) {
	e := replayEntry{at: now.UnixNano(), expiresAt: res.ExpiresAt.UnixNano(), phoneBound: res.PhoneBound, isNew: res.IsNew}
	if len(res.Token) != base64.RawURLEncoding.EncodedLen(len(e.token)) {
		return
	}
	if n, err := base64.RawURLEncoding.Decode(e.token[:], []byte(res.Token)); err != nil || n != len(e.token) {
		return
	}
	id, err := uuid.Parse(res.UserID)
	if err != nil || id.String() != res.UserID {
		return
	}
	e.userID = id

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey = make(map[replayKey]replayEntry)
	}
	r.evictLocked(e.at)
	r.byKey[k] = e
	r.fifo = append(r.fifo, replayRef{key: k, at: e.at})
}

// evictLocked drops, oldest first, the entries older than ttl and as many
// more as make room for one.
func (r *loginReplay) evictLocked(now int64) {
	ttl, max := r.limits()
	for r.head < len(r.fifo) {
		ref := r.fifo[r.head]
		if now-ref.at <= ttl && len(r.byKey) < max {
			break
		}
		// A key remembered again later has a newer entry; leave that one.
		if e, ok := r.byKey[ref.key]; ok && e.at == ref.at {
			delete(r.byKey, ref.key)
		}
		r.head++
	}
	if r.head > 1024 && r.head > len(r.fifo)/2 {
		r.fifo = r.fifo[:copy(r.fifo, r.fifo[r.head:])]
		r.head = 0
	}
}

// limits are ttl and max, or the defaults where they are zero.
func (r *loginReplay) limits() (ttl int64, max int) {
	ttl, max = int64(replayTTL), replayMaxEntries
	if r.ttl > 0 {
		ttl = int64(r.ttl)
	}
	if r.max > 0 {
		max = r.max
	}
	return ttl, max
}
