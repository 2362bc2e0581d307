package repository

import (
	"context"
	"time"
)

// Names of the access key constraints that callers match on; they are
// defined in the migrations.
const (
	ConstraintAccessKeyPrimaryKey = "access_keys_pkey"
)

// Access key statuses, as the status column stores them.
const (
	AccessKeyEnabled  = "Enabled"
	AccessKeyDisabled = "Disabled"
)

// AccessKey is a row of the access_keys table. The secret stays sealed;
// only the service holds the master key that opens it.
//
// Access keys are looked up by ID alone, before any account is known,
// because the key decides the account that the request acts in.
type AccessKey struct {
	AccessKeyID      string
	AccountID        string
	SecretCiphertext []byte
	Status           string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

const accessKeyColumns = `access_key_id, account_id, secret_ciphertext, status, created_at, updated_at`

func scanAccessKey(row interface{ Scan(...any) error }) (AccessKey, error) {
	var key AccessKey
	err := row.Scan(&key.AccessKeyID, &key.AccountID, &key.SecretCiphertext, &key.Status, &key.CreatedAt, &key.UpdatedAt)
	if err != nil {
		return AccessKey{}, translate(err)
	}
	return key, nil
}

// InsertAccessKey stores a new access key. The account row must exist (see
// EnsureAccount). A taken ID is a ConflictError on
// ConstraintAccessKeyPrimaryKey.
func (q *Queries) InsertAccessKey(ctx context.Context, key AccessKey) (AccessKey, error) {
	row := q.db.QueryRow(ctx, `
		INSERT INTO access_keys (access_key_id, account_id, secret_ciphertext, status)
		VALUES ($1, $2, $3, $4)
		RETURNING `+accessKeyColumns,
		key.AccessKeyID, key.AccountID, key.SecretCiphertext, key.Status)
	return scanAccessKey(row)
}

// GetAccessKey returns the access key with accessKeyID, or ErrNotFound.
func (q *Queries) GetAccessKey(ctx context.Context, accessKeyID string) (AccessKey, error) {
	row := q.db.QueryRow(ctx, `
		SELECT `+accessKeyColumns+`
		FROM access_keys
		WHERE access_key_id = $1`,
		accessKeyID)
	return scanAccessKey(row)
}

// ListAccessKeys returns the access keys of accountID in creation order, or
// those of every account when accountID is empty.
func (q *Queries) ListAccessKeys(ctx context.Context, accountID string) ([]AccessKey, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+accessKeyColumns+`
		FROM access_keys
		WHERE $1 = '' OR account_id = $1
		ORDER BY account_id, created_at, access_key_id`,
		accountID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()

	keys := []AccessKey{}
	for rows.Next() {
		key, err := scanAccessKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return keys, nil
}

// SetAccessKeyStatus sets the status of an access key and returns the row,
// or ErrNotFound.
func (q *Queries) SetAccessKeyStatus(ctx context.Context, accessKeyID, status string) (AccessKey, error) {
	row := q.db.QueryRow(ctx, `
		UPDATE access_keys
		SET status = $2, updated_at = now()
		WHERE access_key_id = $1
		RETURNING `+accessKeyColumns,
		accessKeyID, status)
	return scanAccessKey(row)
}

// DeleteAccessKey deletes an access key, or returns ErrNotFound.
func (q *Queries) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	var deleted string
	err := q.db.QueryRow(ctx, `
		DELETE FROM access_keys
		WHERE access_key_id = $1
		RETURNING access_key_id`,
		accessKeyID).Scan(&deleted)
	return translate(err)
}

// InsertSignatureNonce records a nonce of accessKeyID until expiresAt and
// reports whether it was free. A nonce is free when it was never recorded,
// or when its earlier record expired at or before now; it is then taken
// over. Two replicas that record one nonce at once get one true and one
// false, because both statements meet on the primary key.
func (q *Queries) InsertSignatureNonce(ctx context.Context, accessKeyID, nonce string, expiresAt, now time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `
		INSERT INTO signature_nonces AS n (access_key_id, nonce, expires_at)
		VALUES ($1, $2, $3)
		ON CONFLICT ON CONSTRAINT signature_nonces_pkey DO UPDATE
		SET expires_at = excluded.expires_at
		WHERE n.expires_at <= $4`,
		accessKeyID, nonce, expiresAt, now)
	if err != nil {
		return false, translate(err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteExpiredSignatureNonces deletes the nonces that expired before
// cutoff and returns how many it deleted.
func (q *Queries) DeleteExpiredSignatureNonces(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM signature_nonces WHERE expires_at < $1`, cutoff)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

// InsertMasterKeyCheck stores the master key check value unless one is
// stored already, and returns the stored one. Replicas that start together
// on a new database agree on the first value written.
func (q *Queries) InsertMasterKeyCheck(ctx context.Context, ciphertext []byte) ([]byte, error) {
	_, err := q.db.Exec(ctx, `
		INSERT INTO master_key_check (ciphertext) VALUES ($1)
		ON CONFLICT ON CONSTRAINT master_key_check_pkey DO NOTHING`,
		ciphertext)
	if err != nil {
		return nil, translate(err)
	}

	var stored []byte
	err = q.db.QueryRow(ctx, `SELECT ciphertext FROM master_key_check`).Scan(&stored)
	if err != nil {
		return nil, translate(err)
	}
	return stored, nil
}
