package fakewechat

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseAppFlag parses the standalone command's --app value "APPID:SECRET".
// The secret may itself contain colons; only the first one separates.
// Errors never repeat the secret.
func ParseAppFlag(v string) (appid, secret string, err error) {
	appid, secret, found := strings.Cut(v, ":")
	switch {
	case !found:
		return "", "", errors.New(`--app: want "APPID:SECRET"`)
	case appid == "":
		return "", "", errors.New("--app: empty appid")
	case strings.ContainsAny(appid, " \t\r\n"):
		return "", "", errors.New("--app: appid contains white space")
	case secret == "":
		return "", "", errors.New("--app: empty secret for " + appid)
	}
	return appid, secret, nil
}

// checkApp checks credentials the way code2Session and both token endpoints
// do: a missing appid is 41002, an unknown one 40013, a missing secret 41004
// and a wrong one 40125. (Older WeChat answered a wrong secret on
// cgi-bin/token with 40001; the reference lists both, and today's WeChat
// says 40125, as the stable_token documentation does.)
func (s *Server) checkApp(appid, secret string) *wechatError {
	want, known := s.apps[appid]
	switch {
	case appid == "":
		return errcode(errAppIDMissing)
	case !known:
		return errcode(errInvalidAppID)
	case secret == "":
		return errcode(errAppSecretMissing)
	case subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1:
		return errcode(errInvalidAppSecret)
	}
	return nil
}

// ParseRotatePolicy reads a --rotate flag: "always", "never" or "every=N".
func ParseRotatePolicy(v string) (RotatePolicy, int, error) {
	switch v {
	case "always":
		return RotateAlways, 0, nil
	case "never":
		return RotateNever, 0, nil
	}
	if n, ok := strings.CutPrefix(v, "every="); ok {
		if every, err := strconv.Atoi(n); err == nil && every >= 1 {
			return RotateEveryN, every, nil
		}
	}
	return 0, 0, fmt.Errorf(`%q: want "always", "never" or "every=N" (N >= 1)`, v)
}
