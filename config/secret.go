package config

import "log/slog"

// Secret is a configuration value that must never be printed: a key, an
// AppSecret, or a database URL that may carry a password.
type Secret string

func (Secret) String() string               { return "***" }
func (Secret) GoString() string             { return "***" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("***") }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"***"`), nil }
func (s Secret) Reveal() string             { return string(s) }
