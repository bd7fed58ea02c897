package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Keyring seals secrets at rest (session keys, AppSecrets, access tokens)
// with AES-256-GCM under keys derived from MPAUTH_SECRET_KEY. Every
// ciphertext is stored with the id of the key that sealed it, so a new master
// key can be put first while old rows still open under the old one.
type Keyring struct {
	current keyEntry
	byID    map[int64]keyEntry
	macKey  []byte // fingerprints, from the first master key
}

type keyEntry struct {
	id   int64
	aead cipher.AEAD
}

// ErrUnknownKey: the row was sealed by a key that is no longer configured.
var ErrUnknownKey = errors.New("sealed with a key that is not configured (was MPAUTH_SECRET_KEY rotated without keeping the old key?)")

// NewKeyring derives one data key per master key; the first seals.
func NewKeyring(masterKeys ...[]byte) (*Keyring, error) {
	if len(masterKeys) == 0 {
		return nil, errors.New("keyring: no master key")
	}
	k := &Keyring{byID: map[int64]keyEntry{}}
	for i, mk := range masterKeys {
		if len(mk) < 32 {
			return nil, fmt.Errorf("keyring: master key %d is %d bytes, want 32", i+1, len(mk))
		}
		dk, err := hkdf.Key(sha256.New, mk, nil, "mpauth data encryption v1", 32)
		if err != nil {
			return nil, err
		}
		idBytes, err := hkdf.Key(sha256.New, mk, nil, "mpauth key id v1", 8)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(dk)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		// A positive 63-bit id fits BIGINT and SQLite INTEGER alike.
		e := keyEntry{id: int64(binary.BigEndian.Uint64(idBytes) >> 1), aead: aead}
		if i == 0 {
			k.current = e
			if k.macKey, err = hkdf.Key(sha256.New, mk, nil, "mpauth fingerprint v1", 32); err != nil {
				return nil, err
			}
		}
		k.byID[e.id] = e
	}
	return k, nil
}

// CurrentID is the id of the key that seals new data.
func (k *Keyring) CurrentID() int64 { return k.current.id }

// Seal encrypts plaintext; aad binds the ciphertext to its row and column so
// a sealed value copied into another row does not open there.
func (k *Keyring) Seal(plaintext, aad []byte) (ciphertext []byte, keyID int64, err error) {
	nonce := make([]byte, k.current.aead.NonceSize(), k.current.aead.NonceSize()+len(plaintext)+k.current.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, 0, err
	}
	return k.current.aead.Seal(nonce, nonce, plaintext, aad), k.current.id, nil
}

// Fingerprint is a keyed hash of a secret: the database can tell whether two
// sealed values hold the same secret (AES-GCM ciphertexts never repeat) while
// learning nothing about it. aad separates uses, like Seal's.
func (k *Keyring) Fingerprint(secret, aad []byte) []byte {
	m := hmac.New(sha256.New, k.macKey)
	m.Write(aad)
	m.Write([]byte{0})
	m.Write(secret)
	return m.Sum(nil)[:16]
}

// Open decrypts a value sealed by Seal with the same aad.
func (k *Keyring) Open(ciphertext []byte, keyID int64, aad []byte) ([]byte, error) {
	e, ok := k.byID[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	ns := e.aead.NonceSize()
	if len(ciphertext) < ns+e.aead.Overhead() {
		return nil, errors.New("keyring: ciphertext too short")
	}
	pt, err := e.aead.Open(nil, ciphertext[:ns], ciphertext[ns:], aad)
	if err != nil {
		return nil, errors.New("keyring: ciphertext does not authenticate")
	}
	return pt, nil
}
