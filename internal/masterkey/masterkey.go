// Package masterkey encrypts secrets at rest with AES-256-GCM under a
// 32-byte master key, given as base64 text in the environment or in a file.
//
// A sealed value is one format byte, the 12-byte random GCM nonce and the
// ciphertext with its 16-byte tag. Callers pass additional data that binds
// a sealed value to its row, so that a value copied to another row does not
// open.
package masterkey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Size is the length of a master key in bytes.
const Size = 32

// formatV1 marks a value sealed with AES-256-GCM and a 12-byte nonce. A
// later format (another cipher or a key rotation scheme) gets another byte.
const formatV1 = 1

// ErrOpen means that a sealed value did not decrypt: it was sealed under
// another master key or with other additional data, or it was changed.
var ErrOpen = errors.New("decryption failed: the value was sealed under another master key, or it was changed")

// Key is a master key ready to seal and open values. It is safe for
// concurrent use.
type Key struct {
	aead cipher.AEAD
}

// Parse reads a master key from base64 text, ignoring surrounding
// whitespace. Errors never quote the text, because it is a secret.
func Parse(encoded string) (*Key, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return nil, errors.New("invalid master key: it is not base64 text; generate one with `openssl rand -base64 32`")
	}
	if len(raw) != Size {
		return nil, fmt.Errorf("invalid master key: it decodes to %d bytes, want %d; generate one with `openssl rand -base64 32`", len(raw), Size)
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("create AES cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create GCM mode: %w", err)
	}
	return &Key{aead: aead}, nil
}

// LoadFile reads a master key file, which contains the key as base64 text.
func LoadFile(path string) (*Key, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	key, err := Parse(string(content))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return key, nil
}

// LoadOrCreateFile reads the master key file at path, or creates it with a
// new random key and mode 0600 when it does not exist. It reports whether it
// created the file. Two processes that race to create it end up with the
// same key, because only one create succeeds and the other reads its file.
func LoadOrCreateFile(path string) (*Key, bool, error) {
	key, err := LoadFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}

	raw := make([]byte, Size)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, fmt.Errorf("generate master key: %w", err)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		key, err := LoadFile(path)
		return key, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("create master key file: %w", err)
	}

	_, writeErr := file.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	syncErr := file.Sync()
	closeErr := file.Close()
	if err := errors.Join(writeErr, syncErr, closeErr); err != nil {
		// A half-written file would fail every later start, so it goes.
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("write master key file %s: %w", path, err)
	}

	key, err = newKey(raw)
	return key, err == nil, err
}

// Seal encrypts plaintext and binds it to additionalData, which Open must
// be given again.
func (k *Key) Seal(plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate GCM nonce: %w", err)
	}

	sealed := make([]byte, 0, 1+len(nonce)+len(plaintext)+k.aead.Overhead())
	sealed = append(sealed, formatV1)
	sealed = append(sealed, nonce...)
	return k.aead.Seal(sealed, nonce, plaintext, additionalData), nil
}

// Open decrypts a value from Seal. It returns ErrOpen when the value was
// sealed under another key or other additional data, or was changed.
func (k *Key) Open(sealed, additionalData []byte) ([]byte, error) {
	nonceSize := k.aead.NonceSize()
	if len(sealed) < 1+nonceSize+k.aead.Overhead() || sealed[0] != formatV1 {
		return nil, ErrOpen
	}

	nonce := sealed[1 : 1+nonceSize]
	plaintext, err := k.aead.Open(nil, nonce, sealed[1+nonceSize:], additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}
