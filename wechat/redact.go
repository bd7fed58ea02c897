package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Every request and response goes through these functions before any part
// of it reaches a log line or an error message. WeChat puts the AppSecret and
// the access_token in URL queries (jscode2session, cgi-bin/token, every
// ?access_token= API), and Go's *url.Error prints the whole URL, so an
// unredacted transport error is enough to leak the AppSecret.

// sensitiveKeys are the query parameters and JSON fields that never leave
// the process in clear, in lower case: Go's JSON decoder takes a field in
// any capitals, so the redaction must too.
var sensitiveKeys = map[string]bool{
	"secret":          true,
	"access_token":    true,
	"js_code":         true,
	"code":            true,
	"session_key":     true,
	"signature":       true,
	"phonenumber":     true,
	"purephonenumber": true,
	"encrypteddata":   true,
	"iv":              true,
}

// sensitiveQuery finds key=value pairs in free text, such as a URL inside a
// net/http error message. \b keeps "code" from matching inside "errcode".
var sensitiveQuery = regexp.MustCompile(`(?i)\b(secret|access_token|js_code|code|session_key|signature)=[^&\s"'#<>]*`)

// redactText masks the values of sensitive query parameters anywhere in s.
func redactText(s string) string {
	return sensitiveQuery.ReplaceAllString(s, "$1="+redacted)
}

// redactURL returns u as text with sensitive query values masked.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	q := c.Query()
	for k := range q {
		if sensitiveKeys[strings.ToLower(k)] {
			q[k] = []string{redacted}
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// redactBody returns a JSON body with sensitive fields masked at any depth.
// A body that is not JSON is shown only as its size: an answer cut short by
// a proxy is still WeChat's, session_key and access_token in clear, and no
// key-by-key redaction can find them in it.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "non-JSON (" + strconv.Itoa(len(body)) + " bytes)"
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return "unprintable JSON"
	}
	return string(out)
}

func redactValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if sensitiveKeys[strings.ToLower(k)] {
				v[k] = redacted
				continue
			}
			v[k] = redactValue(e)
		}
	case []any:
		for i, e := range v {
			v[i] = redactValue(e)
		}
	case string:
		// errmsg sometimes echoes parts of the request.
		return redactText(v)
	}
	return v
}

// sessionKeyShape is a session_key as WeChat writes it: 16 bytes in base64.
var sessionKeyShape = regexp.MustCompile(`[A-Za-z0-9+/]{22}==`)

// scrub masks, in text WeChat wrote (an errmsg, an answer), the secret values
// of the request it answers (the code, the access token, the AppSecret)
// wherever they stand, and anything shaped like a session key: an errmsg
// may echo them without their names.
func scrub(s string, known []string) string {
	for _, k := range known {
		if len(k) >= 6 {
			s = strings.ReplaceAll(s, k, redacted)
		}
	}
	return sessionKeyShape.ReplaceAllString(s, redacted)
}

// requestSecrets are the values of a request's sensitive query parameters
// and JSON fields.
func requestSecrets(q url.Values, body []byte) []string {
	var out []string
	for k, vs := range q {
		if sensitiveKeys[strings.ToLower(k)] {
			out = append(out, vs...)
		}
	}
	var fields map[string]any
	if json.Unmarshal(body, &fields) == nil {
		for k, v := range fields {
			if s, ok := v.(string); ok && sensitiveKeys[strings.ToLower(k)] {
				out = append(out, s)
			}
		}
	}
	return out
}

// redactError replaces a transport error (net/http returns a *url.Error) by
// a copy whose URL is masked, keeping Op and the inner error so that
// Timeout() and errors.Is(err, context.DeadlineExceeded) still work. Other
// errors pass unchanged; Error.Error masks their text as well.
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactText(ue.URL), Err: ue.Err}
}
