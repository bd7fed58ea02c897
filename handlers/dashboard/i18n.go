package dashboard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// lang is the dashboard's interface language: Chinese by default, English
// on request (Accept-Language, or the switch in the navigation bar, which
// sets a cookie).
type lang string

const (
	langZH lang = "zh"
	langEN lang = "en"
)

const langCookie = "mpauth_lang"

// T translates an English message (the catalog key) and formats it.
func (l lang) T(msg string, args ...any) string {
	if l == langZH {
		if zh, ok := zhCatalog[msg]; ok {
			msg = zh
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// HTMLLang is the value of <html lang>.
func (l lang) HTMLLang() string {
	if l == langZH {
		return "zh-CN"
	}
	return "en"
}

// Other is the language the switch offers.
func (l lang) Other() lang {
	if l == langZH {
		return langEN
	}
	return langZH
}

// Name is the language's own name, for the switch.
func (l lang) Name() string {
	if l == langZH {
		return "中文"
	}
	return "English"
}

func parseLang(s string) (lang, bool) {
	switch lang(s) {
	case langZH, langEN:
		return lang(s), true
	}
	return "", false
}

// langOf picks the request's language: the cookie, else the most preferred
// of zh and en in Accept-Language, else Chinese.
func langOf(c *gin.Context) lang {
	if v, err := c.Cookie(langCookie); err == nil {
		if l, ok := parseLang(v); ok {
			return l
		}
	}
	return fromAcceptLanguage(c.GetHeader("Accept-Language"))
}

func fromAcceptLanguage(header string) lang {
	best, bestQ := langZH, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		l, ok := parseLang(primary)
		if ok && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}
