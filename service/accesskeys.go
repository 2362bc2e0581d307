package service

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sync"
	"time"

	"kmsmeta/internal/masterkey"
	"kmsmeta/repository"
)

// Access key statuses.
const (
	AccessKeyEnabled  = repository.AccessKeyEnabled
	AccessKeyDisabled = repository.AccessKeyDisabled
)

// DefaultAccessKeyCacheTTL is how long a replica trusts what it read about
// an access key. A key that is disabled or deleted in the database keeps
// working on a replica for at most this long, and a request costs no
// access key query while its key is cached.
const DefaultAccessKeyCacheTTL = 10 * time.Second

// maxCachedAccessKeys bounds the cache, which also remembers unknown IDs so
// that a flood of made-up IDs costs at most one query per ID and TTL.
const maxCachedAccessKeys = 10_000

// NonceRetention is how long a nonce row stays after it expired before the
// purge deletes it. Until the row is gone, a replica whose clock lags still
// rejects the replay, so this tolerates that much clock difference between
// replicas.
const NonceRetention = 5 * time.Minute

var (
	accessKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	accountIDPattern   = regexp.MustCompile(`^[0-9]{16}$`)

	// Secrets of imported access keys: printable ASCII without spaces.
	secretPattern = regexp.MustCompile(`^[\x21-\x7e]{16,128}$`)
)

// Generated access keys look like Alibaba Cloud's: "LTAI" and 20 letters or
// digits for the ID, 30 letters or digits for the secret (about 178 bits).
const (
	generatedIDPrefix    = "LTAI"
	generatedIDLength    = 20
	generatedSecretChars = 30
	alphanumeric         = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// masterKeyCheckText is the known value sealed in master_key_check.
const masterKeyCheckText = "kmsmeta master key check"

// ErrAccessKeyNotFound means that no access key has the given ID.
var ErrAccessKeyNotFound = errors.New("access key not found")

// AccessKeys manages access keys and the lookups and nonce records of
// request authentication. Its methods are safe for concurrent use.
type AccessKeys struct {
	store    *repository.Store
	master   *masterkey.Key
	now      func() time.Time
	cacheTTL time.Duration

	mu    sync.Mutex
	cache map[string]cachedAccessKey
}

// cachedAccessKey is the result of one access key lookup, including "not found".
type cachedAccessKey struct {
	found   bool
	key     SigningKey
	enabled bool
	expires time.Time
}

// AccessKeyOption configures AccessKeys.
type AccessKeyOption func(*AccessKeys)

// WithAccessKeyClock replaces the wall clock, for tests that move time.
func WithAccessKeyClock(now func() time.Time) AccessKeyOption {
	return func(a *AccessKeys) {
		a.now = now
	}
}

// WithAccessKeyCacheTTL replaces DefaultAccessKeyCacheTTL. Zero turns the
// cache off, so every lookup queries the database.
func WithAccessKeyCacheTTL(ttl time.Duration) AccessKeyOption {
	return func(a *AccessKeys) {
		a.cacheTTL = ttl
	}
}

// NewAccessKeys returns AccessKeys on store, sealing and opening secrets
// with master.
func NewAccessKeys(store *repository.Store, master *masterkey.Key, options ...AccessKeyOption) *AccessKeys {
	a := &AccessKeys{
		store:    store,
		master:   master,
		now:      time.Now,
		cacheTTL: DefaultAccessKeyCacheTTL,
		cache:    map[string]cachedAccessKey{},
	}
	for _, option := range options {
		option(a)
	}
	return a
}

// AccessKeyInfo is an access key without its secret.
type AccessKeyInfo struct {
	AccessKeyID string
	AccountID   string
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func accessKeyInfo(row repository.AccessKey) AccessKeyInfo {
	return AccessKeyInfo{
		AccessKeyID: row.AccessKeyID,
		AccountID:   row.AccountID,
		Status:      row.Status,
		CreatedAt:   row.CreatedAt,
		UpdatedAt:   row.UpdatedAt,
	}
}

// NewAccessKey is a created access key with its secret, which is shown
// this once and never again.
type NewAccessKey struct {
	AccessKeyID     string
	AccessKeySecret string
	AccountID       string
}

// String leaves out the secret, so that printing the value by mistake does
// not reveal it.
func (k NewAccessKey) String() string {
	return fmt.Sprintf("access key %s of account %s", k.AccessKeyID, k.AccountID)
}

// SigningKey is an enabled access key with its secret, for verifying a
// request signature.
type SigningKey struct {
	AccessKeyID string
	AccountID   string
	Secret      string
}

// String leaves out the secret, so that logging the value by mistake does
// not reveal it.
func (k SigningKey) String() string {
	return fmt.Sprintf("access key %s of account %s", k.AccessKeyID, k.AccountID)
}

// secretData binds a sealed secret to its access key ID, so that a
// ciphertext copied to another row does not open there.
func secretData(accessKeyID string) []byte {
	return []byte("access_keys.secret_ciphertext:" + accessKeyID)
}

// CheckMasterKey checks that the master key is the one this database's
// secrets are sealed under, by opening the stored check value. The first
// call on a new database stores the value.
func (a *AccessKeys) CheckMasterKey(ctx context.Context) error {
	if a.master == nil {
		return errors.New("no master key is configured")
	}

	sealed, err := a.master.Seal([]byte(masterKeyCheckText), []byte("master_key_check"))
	if err != nil {
		return err
	}
	stored, err := a.store.InsertMasterKeyCheck(ctx, sealed)
	if err != nil {
		return fmt.Errorf("store or read the master key check value: %w", err)
	}

	opened, err := a.master.Open(stored, []byte("master_key_check"))
	if err != nil || subtle.ConstantTimeCompare(opened, []byte(masterKeyCheckText)) != 1 {
		return errors.New("the master key does not match this database: its access key secrets were sealed " +
			"under another master key. Start with the master key used before (KMSMETA_MASTER_KEY or --master-key-file)")
	}
	return nil
}

// Create creates an enabled access key with a random ID and secret for
// accountID, a 16-digit account ID.
func (a *AccessKeys) Create(ctx context.Context, accountID string) (NewAccessKey, error) {
	if !accountIDPattern.MatchString(accountID) {
		return NewAccessKey{}, fmt.Errorf("invalid account ID %q: an account ID has 16 digits", accountID)
	}

	suffix, err := randomString(generatedIDLength)
	if err != nil {
		return NewAccessKey{}, err
	}
	secret, err := randomString(generatedSecretChars)
	if err != nil {
		return NewAccessKey{}, err
	}
	created := NewAccessKey{AccessKeyID: generatedIDPrefix + suffix, AccessKeySecret: secret, AccountID: accountID}

	if err := a.insert(ctx, created); err != nil {
		return NewAccessKey{}, err
	}
	return created, nil
}

// Import stores an access key with a given ID and secret unless it exists,
// and reports whether it created it. An existing key with the same account
// and secret is left as it is, also when it is disabled. An existing key
// with another account or secret is an error, because the caller expects
// its secret to work.
func (a *AccessKeys) Import(ctx context.Context, accountID, accessKeyID, secret string) (bool, error) {
	if !accountIDPattern.MatchString(accountID) {
		return false, fmt.Errorf("invalid account ID %q: an account ID has 16 digits", accountID)
	}
	if !accessKeyIDPattern.MatchString(accessKeyID) {
		return false, fmt.Errorf("invalid access key ID %q: use 1 to 128 letters, digits, '.', '_' or '-'", accessKeyID)
	}
	if !secretPattern.MatchString(secret) {
		return false, errors.New("invalid access key secret: use 16 to 128 printable ASCII characters without spaces")
	}

	err := a.insert(ctx, NewAccessKey{AccessKeyID: accessKeyID, AccessKeySecret: secret, AccountID: accountID})
	if err == nil {
		return true, nil
	}
	if !repository.IsConflict(err, repository.ConstraintAccessKeyPrimaryKey) {
		return false, err
	}

	// The key exists, from an earlier start or from another replica that
	// started at the same time.
	row, err := a.store.GetAccessKey(ctx, accessKeyID)
	if err != nil {
		return false, fmt.Errorf("read access key %s: %w", accessKeyID, err)
	}
	stored, err := a.master.Open(row.SecretCiphertext, secretData(accessKeyID))
	if err != nil {
		return false, fmt.Errorf("open the secret of access key %s: %w", accessKeyID, err)
	}
	if row.AccountID != accountID || subtle.ConstantTimeCompare(stored, []byte(secret)) != 1 {
		return false, fmt.Errorf("access key %s exists with another account or secret; "+
			"delete it with `kmsmeta accesskey delete %s` or use its stored secret", accessKeyID, accessKeyID)
	}
	return false, nil
}

// insert seals the secret and stores the key, creating the account row on
// its first use.
func (a *AccessKeys) insert(ctx context.Context, key NewAccessKey) error {
	if a.master == nil {
		return errors.New("no master key is configured, so no secret can be stored")
	}
	sealed, err := a.master.Seal([]byte(key.AccessKeySecret), secretData(key.AccessKeyID))
	if err != nil {
		return err
	}

	return a.store.InTx(ctx, func(q *repository.Queries) error {
		if err := q.EnsureAccount(ctx, key.AccountID); err != nil {
			return fmt.Errorf("create account %s: %w", key.AccountID, err)
		}
		_, err := q.InsertAccessKey(ctx, repository.AccessKey{
			AccessKeyID:      key.AccessKeyID,
			AccountID:        key.AccountID,
			SecretCiphertext: sealed,
			Status:           AccessKeyEnabled,
		})
		if err != nil {
			return fmt.Errorf("store access key %s: %w", key.AccessKeyID, err)
		}
		return nil
	})
}

// List returns the access keys of accountID, or of every account when
// accountID is empty, without their secrets.
func (a *AccessKeys) List(ctx context.Context, accountID string) ([]AccessKeyInfo, error) {
	if accountID != "" && !accountIDPattern.MatchString(accountID) {
		return nil, fmt.Errorf("invalid account ID %q: an account ID has 16 digits", accountID)
	}
	rows, err := a.store.ListAccessKeys(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}

	keys := make([]AccessKeyInfo, 0, len(rows))
	for _, row := range rows {
		keys = append(keys, accessKeyInfo(row))
	}
	return keys, nil
}

// SetEnabled enables or disables an access key. Servers notice the change
// within their cache TTL.
func (a *AccessKeys) SetEnabled(ctx context.Context, accessKeyID string, enabled bool) (AccessKeyInfo, error) {
	status := AccessKeyDisabled
	if enabled {
		status = AccessKeyEnabled
	}

	row, err := a.store.SetAccessKeyStatus(ctx, accessKeyID, status)
	if errors.Is(err, repository.ErrNotFound) {
		return AccessKeyInfo{}, fmt.Errorf("%w: %q", ErrAccessKeyNotFound, accessKeyID)
	}
	if err != nil {
		return AccessKeyInfo{}, fmt.Errorf("set the status of access key %s: %w", accessKeyID, err)
	}

	a.forget(accessKeyID)
	return accessKeyInfo(row), nil
}

// Delete deletes an access key. Servers notice the change within their
// cache TTL.
func (a *AccessKeys) Delete(ctx context.Context, accessKeyID string) error {
	err := a.store.DeleteAccessKey(ctx, accessKeyID)
	if errors.Is(err, repository.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrAccessKeyNotFound, accessKeyID)
	}
	if err != nil {
		return fmt.Errorf("delete access key %s: %w", accessKeyID, err)
	}

	a.forget(accessKeyID)
	return nil
}

// SigningKey returns the enabled access key accessKeyID with its secret.
// An unknown ID is InvalidAccessKeyId.NotFound and a disabled key
// InvalidAccessKeyId.Inactive. Results are cached for the cache TTL.
func (a *AccessKeys) SigningKey(ctx context.Context, accessKeyID string) (SigningKey, error) {
	// An ID that no stored key can have is not worth a query or a cache
	// entry.
	if !accessKeyIDPattern.MatchString(accessKeyID) {
		return SigningKey{}, accessKeyNotFound()
	}

	entry, ok := a.cached(accessKeyID)
	if !ok {
		var err error
		entry, err = a.load(ctx, accessKeyID)
		if err != nil {
			return SigningKey{}, err
		}
		a.remember(accessKeyID, entry)
	}

	switch {
	case !entry.found:
		return SigningKey{}, accessKeyNotFound()
	case !entry.enabled:
		return SigningKey{}, &Error{Code: CodeAccessKeyInactive, Message: "Specified access key is disabled."}
	}
	return entry.key, nil
}

// load reads an access key from the database and opens its secret.
func (a *AccessKeys) load(ctx context.Context, accessKeyID string) (cachedAccessKey, error) {
	expires := a.now().Add(a.cacheTTL)

	row, err := a.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, repository.ErrNotFound) {
		return cachedAccessKey{found: false, expires: expires}, nil
	}
	if err != nil {
		return cachedAccessKey{}, fromRepository(err)
	}

	if a.master == nil {
		return cachedAccessKey{}, &Error{Code: CodeInternalFailure, Message: "Internal Failure.",
			Cause: errors.New("no master key is configured, so no access key secret can be opened")}
	}
	secret, err := a.master.Open(row.SecretCiphertext, secretData(accessKeyID))
	if err != nil {
		return cachedAccessKey{}, &Error{Code: CodeInternalFailure, Message: "Internal Failure.",
			Cause: fmt.Errorf("open the secret of access key %s: %w", accessKeyID, err)}
	}

	return cachedAccessKey{
		found:   true,
		key:     SigningKey{AccessKeyID: row.AccessKeyID, AccountID: row.AccountID, Secret: string(secret)},
		enabled: row.Status == AccessKeyEnabled,
		expires: expires,
	}, nil
}

func (a *AccessKeys) cached(accessKeyID string) (cachedAccessKey, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()

	entry, ok := a.cache[accessKeyID]
	if !ok || !a.now().Before(entry.expires) {
		return cachedAccessKey{}, false
	}
	return entry, true
}

func (a *AccessKeys) remember(accessKeyID string, entry cachedAccessKey) {
	if a.cacheTTL <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()

	if len(a.cache) >= maxCachedAccessKeys {
		now := a.now()
		for id, old := range a.cache {
			if !now.Before(old.expires) {
				delete(a.cache, id)
			}
		}
		// Still full of live entries: start over rather than grow.
		if len(a.cache) >= maxCachedAccessKeys {
			clear(a.cache)
		}
	}
	a.cache[accessKeyID] = entry
}

func (a *AccessKeys) forget(accessKeyID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.cache, accessKeyID)
}

// UseNonce records that accessKeyID used nonce in a request whose window
// ends at expiresAt. A nonce recorded before and not yet expired is
// SignatureNonceUsed, whichever replica recorded it.
func (a *AccessKeys) UseNonce(ctx context.Context, accessKeyID, nonce string, expiresAt time.Time) error {
	free, err := a.store.InsertSignatureNonce(ctx, accessKeyID, nonce, expiresAt, a.now())
	if err != nil {
		return fromRepository(err)
	}
	if !free {
		return &Error{Code: CodeSignatureNonceUsed, Message: "Specified signature nonce was used already."}
	}
	return nil
}

// PurgeNonces deletes the nonce records that expired more than
// NonceRetention ago and returns how many it deleted.
func (a *AccessKeys) PurgeNonces(ctx context.Context) (int64, error) {
	deleted, err := a.store.DeleteExpiredSignatureNonces(ctx, a.now().Add(-NonceRetention))
	if err != nil {
		return 0, fmt.Errorf("purge expired signature nonces: %w", err)
	}
	return deleted, nil
}

func accessKeyNotFound() *Error {
	return &Error{Code: CodeAccessKeyNotFound, Message: "The Access Key ID provided does not exist in our records."}
}

// randomString returns n characters drawn uniformly from alphanumeric with
// crypto/rand.
func randomString(n int) (string, error) {
	limit := big.NewInt(int64(len(alphanumeric)))
	text := make([]byte, n)
	for i := range text {
		index, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("generate random text: %w", err)
		}
		text[i] = alphanumeric[index.Int64()]
	}
	return string(text), nil
}
