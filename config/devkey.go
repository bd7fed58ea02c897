package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DevSecretKey returns the development secret key kept in dataDir, creating
// it on first use. Keeping it on disk means data encrypted in one `go run .`
// still decrypts in the next; production must set MPAUTH_SECRET_KEY instead.
func DevSecretKey(dataDir string) ([]Secret, error) {
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		keys, perr := ParseSecretKeys(strings.TrimSpace(string(b)))
		if perr != nil {
			return nil, fmt.Errorf("%s: %w (delete it to generate a new one; data encrypted with it becomes unreadable)", path, perr)
		}
		return keys, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
			return DevSecretKey(dataDir)
		}
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n"); err != nil {
		return nil, err
	}
	return []Secret{Secret(raw)}, f.Sync()
}
