package repository

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Key is a row of the keys table.
type Key struct {
	KeyID             string
	ARN               string
	State             string
	Spec              string
	Usage             string
	Origin            string
	ProtectionLevel   string
	Description       string
	AutomaticRotation bool
	RotationInterval  time.Duration // zero unless AutomaticRotation
	PrimaryKeyVersion string
	CreationDate      time.Time
	LastRotationDate  time.Time
	DeleteDate        *time.Time // set only while State is PendingDeletion
}

// NewKey holds the columns of a key that CreateKey stores. The database
// derives the ARN.
type NewKey struct {
	KeyID             string
	State             string
	Spec              string
	Usage             string
	Origin            string
	ProtectionLevel   string
	Description       string
	AutomaticRotation bool
	RotationInterval  time.Duration
	PrimaryKeyVersion string
	CreationDate      time.Time
}

const keyColumns = `key_id, arn, key_state, key_spec, key_usage, origin, protection_level,
	description, automatic_rotation, extract(epoch FROM rotation_interval)::bigint, primary_key_version,
	creation_date, last_rotation_date, delete_date`

func scanKey(row pgx.Row) (Key, error) {
	var key Key
	var rotationSeconds *int64
	err := row.Scan(&key.KeyID, &key.ARN, &key.State, &key.Spec, &key.Usage, &key.Origin,
		&key.ProtectionLevel, &key.Description, &key.AutomaticRotation, &rotationSeconds,
		&key.PrimaryKeyVersion, &key.CreationDate, &key.LastRotationDate, &key.DeleteDate)
	if err != nil {
		return Key{}, translate(err)
	}

	if rotationSeconds != nil {
		key.RotationInterval = time.Duration(*rotationSeconds) * time.Second
	}
	return key, nil
}

// EnsureAccount creates the account row on the account's first write.
func (q *Queries) EnsureAccount(ctx context.Context, accountID string) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO accounts (account_id) VALUES ($1)
		ON CONFLICT ON CONSTRAINT accounts_pkey DO NOTHING`, accountID)
	return translate(err)
}

// InsertKey stores a new key and returns it as stored. The account row must
// exist (see EnsureAccount).
func (q *Queries) InsertKey(ctx context.Context, scope Scope, key NewKey) (Key, error) {
	// The interval is stored in whole seconds, the unit of RotationInterval.
	var rotationSeconds *int64
	if key.AutomaticRotation {
		seconds := int64(key.RotationInterval / time.Second)
		rotationSeconds = &seconds
	}

	row := q.db.QueryRow(ctx, `
		INSERT INTO keys (account_id, region_id, key_id, key_state, key_spec, key_usage, origin,
			protection_level, description, automatic_rotation, rotation_interval,
			primary_key_version, creation_date, last_rotation_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, make_interval(secs => $11), $12, $13, $13)
		RETURNING `+keyColumns,
		scope.AccountID, scope.RegionID, key.KeyID, key.State, key.Spec, key.Usage, key.Origin,
		key.ProtectionLevel, key.Description, key.AutomaticRotation, rotationSeconds,
		key.PrimaryKeyVersion, key.CreationDate)
	return scanKey(row)
}

// GetKey returns the key with keyID in scope, or ErrNotFound.
func (q *Queries) GetKey(ctx context.Context, scope Scope, keyID string) (Key, error) {
	return q.getKey(ctx, scope, keyID, "")
}

// GetKeyForShare is GetKey that also locks the row against state changes and
// deletion until the transaction ends, so that a check of the key's state
// stays true while the caller writes what depends on it.
func (q *Queries) GetKeyForShare(ctx context.Context, scope Scope, keyID string) (Key, error) {
	return q.getKey(ctx, scope, keyID, "FOR SHARE")
}

// GetKeyForUpdate is GetKey that also locks the row until the transaction
// ends, for changes of the key itself.
func (q *Queries) GetKeyForUpdate(ctx context.Context, scope Scope, keyID string) (Key, error) {
	return q.getKey(ctx, scope, keyID, "FOR UPDATE")
}

// getKey reads one key; lockClause is empty or a row-locking clause
// constant, never client input.
func (q *Queries) getKey(ctx context.Context, scope Scope, keyID, lockClause string) (Key, error) {
	row := q.db.QueryRow(ctx, `
		SELECT `+keyColumns+`
		FROM keys
		WHERE account_id = $1 AND region_id = $2 AND key_id = $3
		`+lockClause,
		scope.AccountID, scope.RegionID, keyID)
	return scanKey(row)
}

// UpdateKeyState sets a key's state and DeleteDate, which must be nil for
// every state but PendingDeletion.
func (q *Queries) UpdateKeyState(ctx context.Context, scope Scope, keyID, state string, deleteDate *time.Time) (Key, error) {
	row := q.db.QueryRow(ctx, `
		UPDATE keys SET key_state = $4, delete_date = $5
		WHERE account_id = $1 AND region_id = $2 AND key_id = $3
		RETURNING `+keyColumns,
		scope.AccountID, scope.RegionID, keyID, state, deleteDate)
	return scanKey(row)
}

// UpdateKeyDescription replaces a key's description.
func (q *Queries) UpdateKeyDescription(ctx context.Context, scope Scope, keyID, description string) (Key, error) {
	row := q.db.QueryRow(ctx, `
		UPDATE keys SET description = $4
		WHERE account_id = $1 AND region_id = $2 AND key_id = $3
		RETURNING `+keyColumns,
		scope.AccountID, scope.RegionID, keyID, description)
	return scanKey(row)
}

// Tag is a TagKey and TagValue pair.
type Tag struct {
	Key   string
	Value string
}

// InsertKeyTags stores the tags of a new key.
func (q *Queries) InsertKeyTags(ctx context.Context, scope Scope, keyID string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}

	keys := make([]string, len(tags))
	values := make([]string, len(tags))
	for i, tag := range tags {
		keys[i], values[i] = tag.Key, tag.Value
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO key_tags (account_id, region_id, key_id, tag_key, tag_value)
		SELECT $1, $2, $3, t.tag_key, t.tag_value
		FROM unnest($4::text[], $5::text[]) AS t (tag_key, tag_value)`,
		scope.AccountID, scope.RegionID, keyID, keys, values)
	return translate(err)
}

// KeyFilter restricts ListKeys. A nil list does not filter; a key must match
// one value of every non-nil list.
type KeyFilter struct {
	States           []string
	Specs            []string
	Usages           []string
	ProtectionLevels []string
}

// KeyRef is a key as ListKeys returns it.
type KeyRef struct {
	KeyID string
	ARN   string
}

// KeyPage is one page of a list of keys and the number of keys in the whole
// list.
type KeyPage struct {
	Keys       []KeyRef
	TotalCount int64
}

// ListKeys returns one page of the keys in scope that match filter and whose
// DeleteDate, if any, is after now, ordered by creation time then key ID,
// and their total count. The count and the page come from one statement, so
// from one snapshot.
func (q *Queries) ListKeys(ctx context.Context, scope Scope, filter KeyFilter, now time.Time, limit, offset int64) (KeyPage, error) {
	rows, err := q.db.Query(ctx, `
		WITH matching AS (
			SELECT key_id, arn, creation_date
			FROM keys
			WHERE account_id = $1 AND region_id = $2
			  AND ($3::text[] IS NULL OR key_state = ANY ($3))
			  AND ($4::text[] IS NULL OR key_spec = ANY ($4))
			  AND ($5::text[] IS NULL OR key_usage = ANY ($5))
			  AND ($6::text[] IS NULL OR protection_level = ANY ($6))
			  AND (delete_date IS NULL OR delete_date > $9)
		)
		SELECT total.count, page.key_id, page.arn
		FROM (SELECT count(*) AS count FROM matching) AS total
		LEFT JOIN LATERAL (
			SELECT key_id, arn FROM matching
			ORDER BY creation_date, key_id
			LIMIT $7 OFFSET $8
		) AS page ON true`,
		scope.AccountID, scope.RegionID, filter.States, filter.Specs, filter.Usages, filter.ProtectionLevels,
		limit, offset, now)
	if err != nil {
		return KeyPage{}, translate(err)
	}
	defer rows.Close()

	page := KeyPage{Keys: []KeyRef{}}
	for rows.Next() {
		var keyID, arn *string
		if err := rows.Scan(&page.TotalCount, &keyID, &arn); err != nil {
			return KeyPage{}, translate(err)
		}
		if keyID != nil {
			page.Keys = append(page.Keys, KeyRef{KeyID: *keyID, ARN: *arn})
		}
	}
	return page, translate(rows.Err())
}

// LockAccount locks the account's row until the transaction ends, so that
// quota checks of concurrent creates run one after another. It returns
// ErrNotFound when the account has never written.
func (q *Queries) LockAccount(ctx context.Context, accountID string) error {
	var locked string
	err := q.db.QueryRow(ctx, `SELECT account_id FROM accounts WHERE account_id = $1 FOR UPDATE`,
		accountID).Scan(&locked)
	return translate(err)
}

// CountKeys returns the number of keys in scope.
func (q *Queries) CountKeys(ctx context.Context, scope Scope) (int64, error) {
	var count int64
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM keys WHERE account_id = $1 AND region_id = $2`,
		scope.AccountID, scope.RegionID).Scan(&count)
	return count, translate(err)
}

// ExpiredKey is a key that DeleteExpiredKeys deleted, with the aliases that
// went with it.
type ExpiredKey struct {
	AccountID  string
	KeyID      string
	DeleteDate time.Time
	AliasNames []string
}

// DeleteExpiredKeys deletes up to limit keys of region whose DeleteDate is at
// or before now, with their aliases and tags, and returns them. Rows that
// another transaction has locked are skipped, so replicas that run this at
// the same time never delete the same key twice or wait on each other.
func (q *Queries) DeleteExpiredKeys(ctx context.Context, regionID string, now time.Time, limit int) ([]ExpiredKey, error) {
	rows, err := q.db.Query(ctx, `
		WITH expired AS (
			SELECT account_id, region_id, key_id
			FROM keys
			WHERE region_id = $1 AND delete_date IS NOT NULL AND delete_date <= $2
			ORDER BY delete_date
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		), deleted_aliases AS (
			-- Deleted here rather than by the foreign key's cascade, so that
			-- the names come from the rows actually deleted: an alias that a
			-- concurrent UpdateAlias moved away is re-checked and kept.
			DELETE FROM aliases AS a
			USING expired AS e
			WHERE a.account_id = e.account_id AND a.region_id = e.region_id AND a.key_id = e.key_id
			RETURNING a.account_id, a.region_id, a.key_id, a.alias_name
		), deleted AS (
			DELETE FROM keys AS k
			USING expired AS e
			WHERE k.account_id = e.account_id AND k.region_id = e.region_id AND k.key_id = e.key_id
			RETURNING k.account_id, k.region_id, k.key_id, k.delete_date
		)
		SELECT d.account_id, d.key_id, d.delete_date,
		       ARRAY(SELECT da.alias_name FROM deleted_aliases AS da
		             WHERE da.account_id = d.account_id AND da.region_id = d.region_id AND da.key_id = d.key_id
		             ORDER BY da.alias_name)
		FROM deleted AS d`,
		regionID, now, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()

	var expired []ExpiredKey
	for rows.Next() {
		var key ExpiredKey
		if err := rows.Scan(&key.AccountID, &key.KeyID, &key.DeleteDate, &key.AliasNames); err != nil {
			return nil, translate(err)
		}
		expired = append(expired, key)
	}
	return expired, translate(rows.Err())
}
