package repository

import (
	"context"
	"time"
)

// Alias is an alias with the key it is bound to.
type Alias struct {
	AliasName string
	AliasARN  string
	KeyID     string
}

// AliasPage is one page of a list of aliases and the number of aliases in
// the whole list.
type AliasPage struct {
	Aliases    []Alias
	TotalCount int64
}

// InsertAlias binds a new alias to keyID. A taken name is a ConflictError on
// ConstraintAliasPrimaryKey, also when two inserts race. A key that does not
// exist in scope is a ConflictError on ConstraintAliasKey.
func (q *Queries) InsertAlias(ctx context.Context, scope Scope, aliasName, keyID string) (Alias, error) {
	alias := Alias{AliasName: aliasName, KeyID: keyID}
	err := q.db.QueryRow(ctx, `
		INSERT INTO aliases (account_id, region_id, alias_name, key_id)
		VALUES ($1, $2, $3, $4)
		RETURNING alias_arn`,
		scope.AccountID, scope.RegionID, aliasName, keyID).Scan(&alias.AliasARN)
	if err != nil {
		return Alias{}, translate(err)
	}
	return alias, nil
}

// GetAlias returns the alias named aliasName in scope, or ErrNotFound.
func (q *Queries) GetAlias(ctx context.Context, scope Scope, aliasName string) (Alias, error) {
	return q.getAlias(ctx, scope, aliasName, "")
}

// GetAliasForUpdate is GetAlias that also locks the row until the
// transaction ends, so that a concurrent update or delete of the alias waits.
func (q *Queries) GetAliasForUpdate(ctx context.Context, scope Scope, aliasName string) (Alias, error) {
	return q.getAlias(ctx, scope, aliasName, "FOR UPDATE")
}

// getAlias reads one alias; lockClause is empty or a row-locking clause
// constant, never client input.
func (q *Queries) getAlias(ctx context.Context, scope Scope, aliasName, lockClause string) (Alias, error) {
	var alias Alias
	err := q.db.QueryRow(ctx, `
		SELECT alias_name, alias_arn, key_id
		FROM aliases
		WHERE account_id = $1 AND region_id = $2 AND alias_name = $3
		`+lockClause,
		scope.AccountID, scope.RegionID, aliasName).Scan(&alias.AliasName, &alias.AliasARN, &alias.KeyID)
	if err != nil {
		return Alias{}, translate(err)
	}
	return alias, nil
}

// ListAliasesByKeyID returns one page of the aliases bound to keyID, in byte
// order of name, and their total count. It returns ErrNotFound when the key
// does not exist in scope, or its DeleteDate is at or before now.
//
// The key check, the count and the page are one statement, so they come from
// one snapshot in one round trip: a concurrent write can never make TotalCount
// disagree with the page. The left join keeps the key's row when the page is
// empty (past the end, or limit 0), so the count still comes back.
func (q *Queries) ListAliasesByKeyID(ctx context.Context, scope Scope, keyID string, now time.Time, limit, offset int64) (AliasPage, error) {
	rows, err := q.db.Query(ctx, `
		SELECT total.count, page.alias_name, page.alias_arn
		FROM keys AS k
		CROSS JOIN LATERAL (
			SELECT count(*) AS count
			FROM aliases AS a
			WHERE a.account_id = k.account_id AND a.region_id = k.region_id AND a.key_id = k.key_id
		) AS total
		LEFT JOIN LATERAL (
			SELECT a.alias_name, a.alias_arn
			FROM aliases AS a
			WHERE a.account_id = k.account_id AND a.region_id = k.region_id AND a.key_id = k.key_id
			ORDER BY a.alias_name
			LIMIT $4 OFFSET $5
		) AS page ON true
		WHERE k.account_id = $1 AND k.region_id = $2 AND k.key_id = $3
		  AND (k.delete_date IS NULL OR k.delete_date > $6)`,
		scope.AccountID, scope.RegionID, keyID, limit, offset, now)
	if err != nil {
		return AliasPage{}, translate(err)
	}
	defer rows.Close()

	page := AliasPage{Aliases: []Alias{}}
	found := false
	for rows.Next() {
		found = true
		var name, arn *string
		if err := rows.Scan(&page.TotalCount, &name, &arn); err != nil {
			return AliasPage{}, translate(err)
		}
		if name != nil {
			page.Aliases = append(page.Aliases, Alias{AliasName: *name, AliasARN: *arn, KeyID: keyID})
		}
	}
	if err := rows.Err(); err != nil {
		return AliasPage{}, translate(err)
	}

	if !found {
		return AliasPage{}, ErrNotFound
	}
	return page, nil
}

// UpdateAliasKey binds an existing alias to keyID in one statement, so the
// alias is never listed under both keys or neither.
func (q *Queries) UpdateAliasKey(ctx context.Context, scope Scope, aliasName, keyID string) (Alias, error) {
	alias := Alias{AliasName: aliasName, KeyID: keyID}
	err := q.db.QueryRow(ctx, `
		UPDATE aliases SET key_id = $4, updated_at = now()
		WHERE account_id = $1 AND region_id = $2 AND alias_name = $3
		RETURNING alias_arn`,
		scope.AccountID, scope.RegionID, aliasName, keyID).Scan(&alias.AliasARN)
	if err != nil {
		return Alias{}, translate(err)
	}
	return alias, nil
}

// DeleteAlias deletes an alias and returns it as it was, or ErrNotFound.
func (q *Queries) DeleteAlias(ctx context.Context, scope Scope, aliasName string) (Alias, error) {
	var alias Alias
	err := q.db.QueryRow(ctx, `
		DELETE FROM aliases
		WHERE account_id = $1 AND region_id = $2 AND alias_name = $3
		RETURNING alias_name, alias_arn, key_id`,
		scope.AccountID, scope.RegionID, aliasName).Scan(&alias.AliasName, &alias.AliasARN, &alias.KeyID)
	if err != nil {
		return Alias{}, translate(err)
	}
	return alias, nil
}

// ListAliases returns one page of all aliases in scope, in byte order of
// name, and their total count, from one statement.
func (q *Queries) ListAliases(ctx context.Context, scope Scope, limit, offset int64) (AliasPage, error) {
	rows, err := q.db.Query(ctx, `
		SELECT total.count, page.alias_name, page.alias_arn, page.key_id
		FROM (
			SELECT count(*) AS count FROM aliases WHERE account_id = $1 AND region_id = $2
		) AS total
		LEFT JOIN LATERAL (
			SELECT alias_name, alias_arn, key_id
			FROM aliases
			WHERE account_id = $1 AND region_id = $2
			ORDER BY alias_name
			LIMIT $3 OFFSET $4
		) AS page ON true`,
		scope.AccountID, scope.RegionID, limit, offset)
	if err != nil {
		return AliasPage{}, translate(err)
	}
	defer rows.Close()

	page := AliasPage{Aliases: []Alias{}}
	for rows.Next() {
		var name, arn, keyID *string
		if err := rows.Scan(&page.TotalCount, &name, &arn, &keyID); err != nil {
			return AliasPage{}, translate(err)
		}
		if name != nil {
			page.Aliases = append(page.Aliases, Alias{AliasName: *name, AliasARN: *arn, KeyID: *keyID})
		}
	}
	return page, translate(rows.Err())
}

// CountAliases returns the number of aliases in scope.
func (q *Queries) CountAliases(ctx context.Context, scope Scope) (int64, error) {
	var count int64
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM aliases WHERE account_id = $1 AND region_id = $2`,
		scope.AccountID, scope.RegionID).Scan(&count)
	return count, translate(err)
}
