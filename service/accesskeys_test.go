package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/internal/masterkey"
	"kmsmeta/internal/pgtest"
	"kmsmeta/repository"
	"kmsmeta/service"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

const (
	accountA = "1540355698848459"
	accountB = "1000000000000002"
)

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 12, 4, 19, 42, 36, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newMasterKey(t *testing.T, fill byte) *masterkey.Key {
	t.Helper()
	key, err := masterkey.Parse(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, masterkey.Size)))
	if err != nil {
		t.Fatalf("parse master key: %v", err)
	}
	return key
}

// accessKeysBundle is the state that most access key tests share.
type accessKeysBundle struct {
	pool  *pgxpool.Pool
	store *repository.Store
	clock *testClock
	keys  *service.AccessKeys
}

func setupAccessKeys(t *testing.T) accessKeysBundle {
	t.Helper()
	pool := pgtest.NewPool(t)
	store := repository.NewStore(pool)
	clock := newTestClock()
	keys := service.NewAccessKeys(store, newMasterKey(t, 1), service.WithAccessKeyClock(clock.Now))
	return accessKeysBundle{pool: pool, store: store, clock: clock, keys: keys}
}

func expectCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := service.ErrorCode(err); got != code || err == nil {
		t.Errorf("error = %v (code %s), want code %s", err, got, code)
	}
}

func TestAccessKeyCreateAndLookup(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()

	created, err := b.keys.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !regexp.MustCompile(`^LTAI[A-Za-z0-9]{20}$`).MatchString(created.AccessKeyID) {
		t.Errorf("AccessKeyId %q, want LTAI and 20 letters or digits", created.AccessKeyID)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{30}$`).MatchString(created.AccessKeySecret) {
		t.Errorf("secret of %d characters, want 30 letters or digits", len(created.AccessKeySecret))
	}
	if strings.Contains(created.String(), created.AccessKeySecret) {
		t.Errorf("NewAccessKey.String reveals the secret")
	}

	key, err := b.keys.SigningKey(ctx, created.AccessKeyID)
	if err != nil {
		t.Fatalf("SigningKey: %v", err)
	}
	if key.Secret != created.AccessKeySecret || key.AccountID != accountA || key.AccessKeyID != created.AccessKeyID {
		t.Errorf("SigningKey = %s with another secret, want the created key", key)
	}
	if strings.Contains(key.String(), created.AccessKeySecret) {
		t.Errorf("SigningKey.String reveals the secret")
	}

	// The stored row holds the secret only in sealed form.
	var ciphertext []byte
	err = b.pool.QueryRow(ctx, `SELECT secret_ciphertext FROM access_keys WHERE access_key_id = $1`, created.AccessKeyID).Scan(&ciphertext)
	if err != nil {
		t.Fatalf("read the stored row: %v", err)
	}
	if bytes.Contains(ciphertext, []byte(created.AccessKeySecret)) {
		t.Errorf("access_keys.secret_ciphertext contains the secret in readable form")
	}
}

func TestAccessKeyLookupErrors(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()

	_, err := b.keys.SigningKey(ctx, "LTAIunknown000000000000")
	expectCode(t, err, service.CodeAccessKeyNotFound)

	_, err = b.keys.SigningKey(ctx, "not a valid id!")
	expectCode(t, err, service.CodeAccessKeyNotFound)

	created, err := b.keys.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := b.keys.SetEnabled(ctx, created.AccessKeyID, false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	_, err = b.keys.SigningKey(ctx, created.AccessKeyID)
	expectCode(t, err, service.CodeAccessKeyInactive)

	if _, err := b.keys.SetEnabled(ctx, created.AccessKeyID, true); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if _, err := b.keys.SigningKey(ctx, created.AccessKeyID); err != nil {
		t.Errorf("SigningKey after enabling again: %v", err)
	}
}

// TestAccessKeyCacheExpires changes keys through a second AccessKeys, as
// the accesskey command or another replica does, and checks that the first
// one applies each change only once its cache TTL has passed.
func TestAccessKeyCacheExpires(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()
	admin := service.NewAccessKeys(b.store, newMasterKey(t, 1))

	created, err := admin.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := b.keys.SigningKey(ctx, created.AccessKeyID); err != nil {
		t.Fatalf("first lookup: %v", err)
	}

	if _, err := admin.SetEnabled(ctx, created.AccessKeyID, false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	b.clock.Advance(service.DefaultAccessKeyCacheTTL - time.Second)
	if _, err := b.keys.SigningKey(ctx, created.AccessKeyID); err != nil {
		t.Errorf("lookup within the TTL after disabling: %v, want the cached enabled key", err)
	}
	b.clock.Advance(time.Second)
	_, err = b.keys.SigningKey(ctx, created.AccessKeyID)
	expectCode(t, err, service.CodeAccessKeyInactive)

	if err := admin.Delete(ctx, created.AccessKeyID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	b.clock.Advance(service.DefaultAccessKeyCacheTTL)
	_, err = b.keys.SigningKey(ctx, created.AccessKeyID)
	expectCode(t, err, service.CodeAccessKeyNotFound)

	// Unknown IDs are cached too: a key imported under a looked-up ID works
	// once the TTL has passed.
	const imported = "LTAIimportedLater0000001"
	_, err = b.keys.SigningKey(ctx, imported)
	expectCode(t, err, service.CodeAccessKeyNotFound)
	if _, err := admin.Import(ctx, accountA, imported, "imported-secret-0123456789"); err != nil {
		t.Fatalf("Import: %v", err)
	}
	_, err = b.keys.SigningKey(ctx, imported)
	expectCode(t, err, service.CodeAccessKeyNotFound)
	b.clock.Advance(service.DefaultAccessKeyCacheTTL)
	if _, err := b.keys.SigningKey(ctx, imported); err != nil {
		t.Errorf("lookup of the imported key after the TTL: %v", err)
	}
}

func TestAccessKeyCacheOff(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()
	uncached := service.NewAccessKeys(b.store, newMasterKey(t, 1), service.WithAccessKeyCacheTTL(0))

	created, err := b.keys.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := uncached.SigningKey(ctx, created.AccessKeyID); err != nil {
		t.Fatalf("first lookup: %v", err)
	}
	if _, err := b.keys.SetEnabled(ctx, created.AccessKeyID, false); err != nil {
		t.Fatalf("disable: %v", err)
	}
	_, err = uncached.SigningKey(ctx, created.AccessKeyID)
	expectCode(t, err, service.CodeAccessKeyInactive)
}

func TestAccessKeyAdminErrors(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()

	for _, account := range []string{"", "12345", "15403556988484590", "154035569884845a"} {
		if _, err := b.keys.Create(ctx, account); err == nil {
			t.Errorf("Create for account %q succeeded, want an error", account)
		}
	}
	if _, err := b.keys.List(ctx, "12345"); err == nil {
		t.Errorf("List for account 12345 succeeded, want an error")
	}
	if _, err := b.keys.SetEnabled(ctx, "LTAImissing", false); !errors.Is(err, service.ErrAccessKeyNotFound) {
		t.Errorf("SetEnabled of a missing key = %v, want ErrAccessKeyNotFound", err)
	}
	if err := b.keys.Delete(ctx, "LTAImissing"); !errors.Is(err, service.ErrAccessKeyNotFound) {
		t.Errorf("Delete of a missing key = %v, want ErrAccessKeyNotFound", err)
	}

	var count int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM access_keys`).Scan(&count); err != nil {
		t.Fatalf("count access keys: %v", err)
	}
	if count != 0 {
		t.Errorf("%d access keys stored after rejected calls, want 0", count)
	}
}

func TestAccessKeyListWithoutSecrets(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()

	first, err := b.keys.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	second, err := b.keys.Create(ctx, accountB)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}

	listed, err := b.keys.List(ctx, accountA)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(listed) != 1 || listed[0].AccessKeyID != first.AccessKeyID || listed[0].Status != service.AccessKeyEnabled {
		t.Errorf("List of account A = %+v, want only %s, enabled", listed, first.AccessKeyID)
	}

	all, err := b.keys.List(ctx, "")
	if err != nil {
		t.Fatalf("List of all accounts: %v", err)
	}
	if len(all) != 2 {
		t.Errorf("List of all accounts has %d keys, want 2", len(all))
	}
	for _, key := range all {
		if key.AccessKeyID == second.AccessKeyID && key.AccountID != accountB {
			t.Errorf("key %s listed under account %s, want %s", key.AccessKeyID, key.AccountID, accountB)
		}
	}
}

func TestAccessKeyImport(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()
	const id, secret = "LTAIbootstrap01", "bootstrap-secret/+=0123"

	created, err := b.keys.Import(ctx, accountA, id, secret)
	if err != nil || !created {
		t.Fatalf("first Import = %v, %v; want created", created, err)
	}
	created, err = b.keys.Import(ctx, accountA, id, secret)
	if err != nil || created {
		t.Errorf("second Import = %v, %v; want an existing key left alone", created, err)
	}
	if _, err := b.keys.Import(ctx, accountA, id, secret+"x"); err == nil || !strings.Contains(err.Error(), "another account or secret") {
		t.Errorf("Import with another secret = %v, want a conflict error", err)
	}
	if _, err := b.keys.Import(ctx, accountB, id, secret); err == nil {
		t.Errorf("Import under another account succeeded, want a conflict error")
	}

	key, err := b.keys.SigningKey(ctx, id)
	if err != nil {
		t.Fatalf("SigningKey: %v", err)
	}
	if key.Secret != secret {
		t.Errorf("the imported key's secret changed")
	}

	for name, args := range map[string][3]string{
		"short account": {"123", "LTAIvalid", "0123456789abcdef"},
		"bad ID":        {accountA, "LTAI invalid", "0123456789abcdef"},
		"short secret":  {accountA, "LTAIvalid", "short"},
		"secret space":  {accountA, "LTAIvalid", "0123456789 abcdef"},
	} {
		if _, err := b.keys.Import(ctx, args[0], args[1], args[2]); err == nil {
			t.Errorf("%s: Import succeeded, want an error", name)
		}
	}
}

func TestMasterKeyCheck(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()

	if err := b.keys.CheckMasterKey(ctx); err != nil {
		t.Fatalf("first check: %v", err)
	}
	if err := b.keys.CheckMasterKey(ctx); err != nil {
		t.Errorf("second check with the same key: %v", err)
	}

	other := service.NewAccessKeys(b.store, newMasterKey(t, 2))
	err := other.CheckMasterKey(ctx)
	if err == nil || !strings.Contains(err.Error(), "master key does not match") {
		t.Errorf("check with another master key = %v, want a mismatch error", err)
	}

	// A secret sealed under one master key does not open under another.
	created, err := b.keys.Create(ctx, accountA)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	_, err = other.SigningKey(ctx, created.AccessKeyID)
	expectCode(t, err, service.CodeInternalFailure)

	none := service.NewAccessKeys(b.store, nil)
	if err := none.CheckMasterKey(ctx); err == nil {
		t.Errorf("check without a master key succeeded")
	}
}

func TestSignatureNonces(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()
	expires := b.clock.Now().Add(15 * time.Minute)

	if err := b.keys.UseNonce(ctx, "LTAIa", "nonce-1", expires); err != nil {
		t.Fatalf("first use: %v", err)
	}
	expectCode(t, b.keys.UseNonce(ctx, "LTAIa", "nonce-1", expires), service.CodeSignatureNonceUsed)

	// Another access key, or another replica on the same database, shares
	// the records.
	if err := b.keys.UseNonce(ctx, "LTAIb", "nonce-1", expires); err != nil {
		t.Errorf("the same nonce for another access key: %v", err)
	}
	replica := service.NewAccessKeys(b.store, newMasterKey(t, 1), service.WithAccessKeyClock(b.clock.Now))
	expectCode(t, replica.UseNonce(ctx, "LTAIa", "nonce-1", expires), service.CodeSignatureNonceUsed)

	// Once the window has passed, the nonce is free again.
	b.clock.Advance(15 * time.Minute)
	if err := b.keys.UseNonce(ctx, "LTAIa", "nonce-1", expires.Add(15*time.Minute)); err != nil {
		t.Errorf("reuse after expiry: %v", err)
	}
	expectCode(t, b.keys.UseNonce(ctx, "LTAIa", "nonce-1", expires.Add(15*time.Minute)), service.CodeSignatureNonceUsed)
}

func TestSignatureNoncesPurge(t *testing.T) {
	t.Parallel()
	b := setupAccessKeys(t)
	ctx := context.Background()
	now := b.clock.Now()

	for nonce, expires := range map[string]time.Time{
		"live":           now.Add(time.Minute),
		"just expired":   now.Add(-time.Minute),
		"long expired":   now.Add(-service.NonceRetention - time.Second),
		"longer expired": now.Add(-time.Hour),
	} {
		if _, err := b.store.InsertSignatureNonce(ctx, "LTAIa", nonce, expires, now); err != nil {
			t.Fatalf("insert nonce %q: %v", nonce, err)
		}
	}

	deleted, err := b.keys.PurgeNonces(ctx)
	if err != nil {
		t.Fatalf("PurgeNonces: %v", err)
	}
	if deleted != 2 {
		t.Errorf("PurgeNonces deleted %d rows, want the 2 that expired more than %s ago", deleted, service.NonceRetention)
	}

	// The recently expired nonce stays until the retention has passed, so a
	// replica whose clock lags still rejects its replay.
	var left int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM signature_nonces`).Scan(&left); err != nil {
		t.Fatalf("count nonces: %v", err)
	}
	if left != 2 {
		t.Errorf("%d nonces left, want 2", left)
	}
}

// BenchmarkUseNonce measures recording one nonce, the database work that
// signature authentication adds to every request. On a test database
// fsync is off, so a durable server adds one WAL flush per call.
func BenchmarkUseNonce(b *testing.B) {
	pool := pgtest.NewPool(b)
	keys := service.NewAccessKeys(repository.NewStore(pool), nil)
	ctx := context.Background()
	expires := time.Now().Add(15 * time.Minute)

	for i := 0; b.Loop(); i++ {
		if err := keys.UseNonce(ctx, "LTAIbenchmark", "nonce-"+strconv.Itoa(i), expires); err != nil {
			b.Fatalf("UseNonce: %v", err)
		}
	}
}
