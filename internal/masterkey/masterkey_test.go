package masterkey

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKeyText is a fixed master key for tests: 32 bytes 0x00..0x1f.
var testKeyText = base64.StdEncoding.EncodeToString([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))

func mustParse(t *testing.T, text string) *Key {
	t.Helper()
	key, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return key
}

func TestSealOpenRoundTrip(t *testing.T) {
	key := mustParse(t, " "+testKeyText+"\n")
	sealed, err := key.Seal([]byte("the secret"), []byte("row-1"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(sealed, []byte("the secret")) {
		t.Errorf("the sealed value contains the plaintext")
	}

	opened, err := key.Open(sealed, []byte("row-1"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(opened) != "the secret" {
		t.Errorf("Open = %q, want %q", opened, "the secret")
	}

	again, err := key.Seal([]byte("the secret"), []byte("row-1"))
	if err != nil {
		t.Fatalf("second Seal: %v", err)
	}
	if bytes.Equal(again, sealed) {
		t.Errorf("two seals of one plaintext are equal, want a fresh nonce each time")
	}
}

func TestOpenRejects(t *testing.T) {
	key := mustParse(t, testKeyText)
	other := mustParse(t, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, Size)))
	sealed, err := key.Seal([]byte("the secret"), []byte("row-1"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}

	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	wrongFormat := bytes.Clone(sealed)
	wrongFormat[0] = 2

	cases := map[string]struct {
		key    *Key
		sealed []byte
		data   string
	}{
		"other key":             {other, sealed, "row-1"},
		"other additional data": {key, sealed, "row-2"},
		"changed ciphertext":    {key, flipped, "row-1"},
		"unknown format":        {key, wrongFormat, "row-1"},
		"truncated":             {key, sealed[:20], "row-1"},
		"empty":                 {key, nil, "row-1"},
	}
	for name, tc := range cases {
		if _, err := tc.key.Open(tc.sealed, []byte(tc.data)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open error = %v, want ErrOpen", name, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"empty":       "",
		"not base64":  "not base64 at all!",
		"16 bytes":    base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"33 bytes":    base64.StdEncoding.EncodeToString(make([]byte, 33)),
		"URL base64":  strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, Size))),
		"hexadecimal": strings.Repeat("ab", Size),
	}
	for name, text := range cases {
		_, err := Parse(text)
		if err == nil {
			t.Errorf("%s: Parse succeeded, want an error", name)
			continue
		}
		if text != "" && strings.Contains(err.Error(), text) {
			t.Errorf("%s: the error %q quotes the key text", name, err)
		}
	}
}

func TestLoadOrCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")

	created, isNew, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatalf("first LoadOrCreateFile: %v", err)
	}
	if !isNew {
		t.Errorf("first LoadOrCreateFile reports an existing file, want a created one")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat key file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %o, want 600", mode)
	}

	loaded, isNew, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatalf("second LoadOrCreateFile: %v", err)
	}
	if isNew {
		t.Errorf("second LoadOrCreateFile created the file again")
	}

	// The loaded key must be the created one: it opens what that sealed.
	sealed, err := created.Seal([]byte("secret"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if _, err := loaded.Open(sealed, nil); err != nil {
		t.Errorf("the reloaded key does not open what the created key sealed: %v", err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadFile(filepath.Join(dir, "missing.key")); err == nil {
		t.Errorf("LoadFile of a missing file succeeded")
	}

	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatalf("write bad key file: %v", err)
	}
	_, err := LoadFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadFile of a short key = %v, want an error naming the file", err)
	}
	if _, _, err := LoadOrCreateFile(bad); err == nil {
		t.Errorf("LoadOrCreateFile replaced or accepted an invalid key file")
	}
}
