package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
)

// Every request and response goes through these functions before any part
// of it reaches a log line or an error message. WeChat puts the AppSecret and
// the access_token in URL queries (jscode2session, cgi-bin/token, every
// ?access_token= API), and Go's *url.Error prints the whole URL, so an
// unredacted transport error is enough to leak the AppSecret.

// sensitiveKeys are the query parameters and JSON fields that never leave
// the process in clear.
var sensitiveKeys = map[string]bool{
	"secret":          true,
	"access_token":    true,
	"js_code":         true,
	"code":            true,
	"session_key":     true,
	"signature":       true,
	"phoneNumber":     true,
	"purePhoneNumber": true,
	"encryptedData":   true,
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
		if sensitiveKeys[k] {
			q[k] = []string{redacted}
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// maxLoggedBody bounds what a debug log shows of a body that is not JSON
// (an HTML error page from a proxy, say).
const maxLoggedBody = 256

// redactBody returns a JSON body with sensitive fields masked at any depth.
// A body that is not JSON is shown only as its size and a masked prefix.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		prefix := body
		if len(prefix) > maxLoggedBody {
			prefix = prefix[:maxLoggedBody]
		}
		return "non-JSON (" + strconv.Itoa(len(body)) + " bytes): " + redactText(string(prefix))
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
			if sensitiveKeys[k] {
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
