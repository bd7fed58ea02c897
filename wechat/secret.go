package wechat

import "log/slog"

const redacted = "***"

// Secret holds an AppSecret or access_token. It prints, logs and marshals as
// "***" so that it cannot reach a log line or an API response by accident;
// Reveal is the one explicit way out, used only to build a request.
type Secret string

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) Reveal() string               { return string(s) }

// SessionKey is a WeChat session_key (base64 of 16 bytes), redacting like Secret.
type SessionKey string

func (k SessionKey) String() string               { return redacted }
func (k SessionKey) GoString() string             { return redacted }
func (k SessionKey) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (k SessionKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (k SessionKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (k SessionKey) Reveal() string               { return string(k) }
