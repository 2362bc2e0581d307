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
	row := q.db.QueryRow(ctx, `
		SELECT `+keyColumns+`
		FROM keys
		WHERE account_id = $1 AND region_id = $2 AND key_id = $3`,
		scope.AccountID, scope.RegionID, keyID)
	return scanKey(row)
}

// GetKeyForShare is GetKey that also locks the row against state changes and
// deletion until the transaction ends, so that a check of the key's state
// stays true while the caller writes what depends on it.
func (q *Queries) GetKeyForShare(ctx context.Context, scope Scope, keyID string) (Key, error) {
	row := q.db.QueryRow(ctx, `
		SELECT `+keyColumns+`
		FROM keys
		WHERE account_id = $1 AND region_id = $2 AND key_id = $3
		FOR SHARE`,
		scope.AccountID, scope.RegionID, keyID)
	return scanKey(row)
}
