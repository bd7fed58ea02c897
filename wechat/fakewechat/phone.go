package fakewechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

// PhoneEvent is what the getPhoneNumber button's event carries (e.detail),
// and the answer of POST /_device/phone.
type PhoneEvent struct {
	Code          string `json:"code"`
	EncryptedData string `json:"encryptedData"`
	IV            string `json:"iv"`
	ErrMsg        string `json:"errMsg"`
}

type phoneCode struct {
	appid    string
	user     *user
	phone    phoneNumber
	issuedAt time.Time
}

func (c *phoneCode) expired(now time.Time) bool { return now.Sub(c.issuedAt) >= codeTTL }

// DevicePhone plays the user tapping the getPhoneNumber button and allowing
// it: a phone code for getuserphonenumber, and the same phone as legacy
// encryptedData, encrypted exactly as WeChat does with the user's current
// session_key. phone is E.164 ("+8613800138000", or "+1 2025550123" with a
// space after the country code) or a bare mainland mobile number. The user
// must hold a login state in appid.
func (s *Server) DevicePhone(appid, name, phone string) (PhoneEvent, error) {
	if _, ok := s.apps[appid]; !ok {
		return PhoneEvent{}, ErrUnknownApp
	}
	p, err := parsePhone(phone)
	if err != nil {
		return PhoneEvent{}, err
	}
	code := s.randomCode()
	iv := s.randomBytes(aes.BlockSize)
	now := s.now()

	s.mu.Lock()
	u := s.users[userKey{appid, name}]
	if u == nil || u.sessionKey == "" {
		s.mu.Unlock()
		return PhoneEvent{}, ErrNotLoggedIn
	}
	sessionKey := u.sessionKey
	s.sweepLocked(now)
	s.phoneCodes[code] = &phoneCode{appid: appid, user: u, phone: p, issuedAt: now}
	s.stats.add(func(st *Stats) { st.DevicePhones++ })
	s.mu.Unlock()

	plaintext, err := json.Marshal(p.info(appid, now))
	if err != nil {
		return PhoneEvent{}, err
	}
	encrypted, err := encryptOpenData(sessionKey, iv, plaintext)
	if err != nil {
		return PhoneEvent{}, err
	}
	return PhoneEvent{
		Code:          code,
		EncryptedData: encrypted,
		IV:            base64.StdEncoding.EncodeToString(iv),
		ErrMsg:        "getPhoneNumber:ok",
	}, nil
}

// getUserPhoneNumber is POST /wxa/business/getuserphonenumber. The token
// decides the app; a phone code of another app, an expired one or a used one
// is 40029 (WeChat documents no separate "used" errcode for phone codes).
func (s *Server) getUserPhoneNumber(r *http.Request, now time.Time) (any, *wechatError) {
	var req wechat.PhoneNumberRequest
	bodyErr := decodeBody(r, &req)

	s.mu.Lock()
	defer s.mu.Unlock()
	appid, werr := s.appForTokenLocked(r.URL.Query(), now)
	switch {
	case werr != nil:
		return nil, werr
	case bodyErr != nil:
		return nil, errcode(errDataFormat)
	case req.Code == "":
		return nil, errcode(errCodeMissing)
	}
	c, found := s.phoneCodes[req.Code]
	if !found || c.appid != appid || c.expired(now) {
		return nil, errcode(errInvalidCode)
	}
	// The optional openid must be the user the code was made for.
	if req.OpenID != "" && req.OpenID != c.user.openid {
		return nil, errcode(errInvalidOpenID)
	}
	delete(s.phoneCodes, req.Code)
	s.stats.add(func(st *Stats) { st.PhoneCodesExchanged++ })
	info := c.phone.info(appid, now)
	return struct {
		okEnvelope
		wechat.PhoneNumberResponse
	}{okBody, wechat.PhoneNumberResponse{PhoneInfo: &info}}, nil
}

// encryptOpenData encrypts open data as WeChat does: AES-128-CBC with PKCS#7
// padding, the key being the base64-decoded session_key, both results
// base64 (standard alphabet, padded).
func encryptOpenData(sessionKey string, iv, plaintext []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(sessionKey)
	if err != nil {
		return "", fmt.Errorf("session_key is not base64: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := append(bytes.Clone(plaintext), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// phoneNumber is a phone split into country calling code and national number.
type phoneNumber struct {
	countryCode string
	national    string
}

// info is the phone as WeChat hands it out: phoneNumber carries "+CC " for
// numbers outside mainland China, purePhoneNumber never does.
func (p phoneNumber) info(appid string, now time.Time) wechat.PhoneInfo {
	full := p.national
	if p.countryCode != "86" {
		full = "+" + p.countryCode + " " + p.national
	}
	return wechat.PhoneInfo{
		PhoneNumber:     full,
		PurePhoneNumber: p.national,
		CountryCode:     wechat.CountryCode(p.countryCode),
		Watermark:       wechat.Watermark{Timestamp: now.Unix(), AppID: appid},
	}
}

func parsePhone(s string) (phoneNumber, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		if !isMainlandMobile(s) {
			return phoneNumber{}, ErrBadPhone
		}
		return phoneNumber{countryCode: "86", national: s}, nil
	}
	rest := s[1:]
	cc, national, spaced := strings.Cut(rest, " ")
	if !spaced {
		cc = callingCode(rest)
		national = rest[len(cc):]
	}
	if !isDigits(cc) || len(cc) > 3 || !isDigits(national) ||
		len(national) < 4 || len(cc)+len(national) > 15 ||
		cc == "86" && !isMainlandMobile(national) {
		return phoneNumber{}, ErrBadPhone
	}
	return phoneNumber{countryCode: cc, national: national}, nil
}

// isMainlandMobile: WeChat accounts bind mobile numbers, 11 digits from 1.
func isMainlandMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && isDigits(s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// twoDigitCodes are the two-digit ITU-T E.164 country calling codes. Codes
// are prefix-free: 1 and 7 stand alone, these take two digits, every other
// code takes three.
var twoDigitCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true,
	"36": true, "39": true, "40": true, "41": true, "43": true, "44": true, "45": true,
	"46": true, "47": true, "48": true, "49": true, "51": true, "52": true, "53": true,
	"54": true, "55": true, "56": true, "57": true, "58": true, "60": true, "61": true,
	"62": true, "63": true, "64": true, "65": true, "66": true, "81": true, "82": true,
	"84": true, "86": true, "90": true, "91": true, "92": true, "93": true, "94": true,
	"95": true, "98": true,
}

// callingCode returns the country calling code at the start of digits.
func callingCode(digits string) string {
	switch {
	case digits == "":
		return ""
	case digits[0] == '1' || digits[0] == '7':
		return digits[:1]
	case len(digits) >= 2 && twoDigitCodes[digits[:2]]:
		return digits[:2]
	case len(digits) >= 3:
		return digits[:3]
	}
	return digits
}
