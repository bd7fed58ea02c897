package models

import (
	"context"
	"encoding/hex"
	"time"
)

// CodeClaim is one wx.login or phone code being exchanged: claimed by the
// request that exchanges it, done when its answer is known. Result is the
// answer every duplicate gets, sealed at rest (it holds a login token).
type CodeClaim struct {
	CodeHash     []byte `gorm:"primaryKey"`
	ClaimedAt    time.Time
	DoneAt       *time.Time
	UserID       *string
	ErrorCode    string
	ErrorMessage string
	Result       []byte `gorm:"column:result"`
	ResultKeyID  *int64
}

// Done reports whether the claim's answer is known.
func (c CodeClaim) Done() bool { return c.DoneAt != nil }

func codeClaimAAD(hash []byte) []byte { return []byte("code_claims:" + hex.EncodeToString(hash)) }

// claimCodeSQL is sent before every WeChat exchange, straight to the driver
// (see queryRow): it answers a row only to the request that inserted it.
const claimCodeSQL = `INSERT INTO code_claims (code_hash, claimed_at, result, result_key_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (code_hash) DO NOTHING RETURNING 1`

// ClaimCode claims a code for exchange at at, with the answer for its
// duplicates when it is known in advance (nil: recorded after the exchange,
// CompleteCodeClaim), sealed. It reports false when another request, on any
// instance, claimed the code first.
func (s *Store) ClaimCode(ctx context.Context, hash []byte, at time.Time, answer []byte) (bool, error) {
	var sealed, keyID any
	if answer != nil {
		ct, kid, err := s.sealAnswer(CodeAnswer{Hash: hash, Result: answer})
		if err != nil {
			return false, err
		}
		sealed, keyID = ct, kid
	}
	var one int
	won, err := s.queryRow(ctx, claimCodeSQL, []any{hash, utc(at), sealed, keyID}, &one)
	return won, translate(err)
}

// CodeAnswer is a successful exchange's answer for its code's duplicates.
type CodeAnswer struct {
	Hash   []byte
	UserID string
	Result []byte // sealed when written
}

func (s *Store) sealAnswer(a CodeAnswer) (sealed []byte, keyID int64, err error) {
	return s.keys.Seal(a.Result, codeClaimAAD(a.Hash))
}

// CodeClaimOf reads a claim with its result opened. ErrNotFound when there
// is none (never claimed, released, or forgotten).
func (s *Store) CodeClaimOf(ctx context.Context, hash []byte) (CodeClaim, error) {
	var c CodeClaim
	if err := s.conn(ctx).Where("code_hash = ?", hash).Take(&c).Error; err != nil {
		return c, translate(err)
	}
	if c.Result != nil && c.ResultKeyID != nil {
		plain, err := s.keys.Open(c.Result, *c.ResultKeyID, codeClaimAAD(hash))
		if err != nil {
			return c, err
		}
		c.Result = plain
	}
	return c, nil
}

// CompleteCodeClaim records a successful exchange's answer for the
// duplicates: the user it belongs to and the result, sealed.
func (s *Store) CompleteCodeClaim(ctx context.Context, a CodeAnswer, at time.Time) error {
	sealed, kid, err := s.sealAnswer(a)
	if err != nil {
		return err
	}
	return translate(s.conn(ctx).Model(&CodeClaim{}).Where("code_hash = ?", a.Hash).
		Updates(map[string]any{"done_at": utc(at), "user_id": a.UserID, "result": sealed, "result_key_id": kid}).Error)
}

// FailCodeClaim records a failure every duplicate shares (the code is bad,
// or used up by this attempt).
func (s *Store) FailCodeClaim(ctx context.Context, hash []byte, code, message string, at time.Time) error {
	return translate(s.conn(ctx).Model(&CodeClaim{}).Where("code_hash = ?", hash).
		Updates(map[string]any{"done_at": utc(at), "error_code": code, "error_message": message}).Error)
}

// ReleaseCodeClaim gives a claim up after a failure that may not have used
// the code (WeChat unreachable): the next request with it claims it afresh.
func (s *Store) ReleaseCodeClaim(ctx context.Context, hash []byte) error {
	return translate(s.conn(ctx).Where("code_hash = ? AND done_at IS NULL", hash).Delete(&CodeClaim{}).Error)
}

// DeleteCodeClaimsBefore forgets claims made before a time.
func (s *Store) DeleteCodeClaimsBefore(ctx context.Context, before time.Time) (int64, error) {
	res := s.conn(ctx).Where("claimed_at < ?", utc(before)).Delete(&CodeClaim{})
	return res.RowsAffected, translate(res.Error)
}
