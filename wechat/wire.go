package wechat

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Wire types for the WeChat server APIs this product calls. They mirror
// ../shared/wechat-api.md field for field; the fake WeChat server encodes
// the same structs, so a shape mistake shows up on both sides at once.
// Secrets here are plain strings because they must reach the wire intact;
// the client converts them to redacting types before handing them out.

// BaseResponse is the errcode/errmsg pair every WeChat answer may carry.
// A missing errcode means 0 (success).
type BaseResponse struct {
	ErrCode int    `json:"errcode,omitempty"`
	ErrMsg  string `json:"errmsg,omitempty"`
}

// Code2SessionResponse is the answer of GET /sns/jscode2session.
type Code2SessionResponse struct {
	BaseResponse
	OpenID     string `json:"openid,omitempty"`
	SessionKey string `json:"session_key,omitempty"`
	UnionID    string `json:"unionid,omitempty"`
}

// TokenResponse is the answer of GET /cgi-bin/token and POST /cgi-bin/stable_token.
type TokenResponse struct {
	BaseResponse
	AccessToken string `json:"access_token,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

// StableTokenRequest is the JSON body of POST /cgi-bin/stable_token.
type StableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// PhoneNumberRequest is the JSON body of POST /wxa/business/getuserphonenumber.
type PhoneNumberRequest struct {
	Code   string `json:"code"`
	OpenID string `json:"openid,omitempty"`
}

// PhoneNumberResponse is the answer of POST /wxa/business/getuserphonenumber.
type PhoneNumberResponse struct {
	BaseResponse
	PhoneInfo *PhoneInfo `json:"phone_info,omitempty"`
}

// PhoneInfo is the phone payload, both in getuserphonenumber's phone_info
// and in the decrypted legacy encryptedData.
type PhoneInfo struct {
	PhoneNumber     string      `json:"phoneNumber"`
	PurePhoneNumber string      `json:"purePhoneNumber"`
	CountryCode     CountryCode `json:"countryCode"`
	Watermark       Watermark   `json:"watermark"`
}

// Watermark identifies which app open data was made for, and when.
// Timestamp is in Unix seconds; 0 means WeChat sent none.
type Watermark struct {
	Timestamp int64  `json:"timestamp,omitempty"`
	AppID     string `json:"appid"`
}

// ResetSessionKeyResponse is the answer of GET /wxa/resetusersessionkey.
type ResetSessionKeyResponse struct {
	BaseResponse
	OpenID     string `json:"openid,omitempty"`
	SessionKey string `json:"session_key,omitempty"`
}

// CountryCode accepts both the documented string ("86") and the number (86)
// that WeChat's own example response shows, and always encodes as a string.
type CountryCode string

func (c *CountryCode) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = CountryCode(s)
		return nil
	}
	if string(b) == "null" {
		*c = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("countryCode: want string or number, got %s", truncateForError(b))
	}
	if _, err := strconv.ParseUint(n.String(), 10, 32); err != nil {
		return fmt.Errorf("countryCode: not a country calling code: %s", truncateForError(b))
	}
	*c = CountryCode(n.String())
	return nil
}

func truncateForError(b []byte) string {
	const max = 16
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
