package repository

import (
	"context"
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
	var alias Alias
	err := q.db.QueryRow(ctx, `
		SELECT alias_name, alias_arn, key_id
		FROM aliases
		WHERE account_id = $1 AND region_id = $2 AND alias_name = $3`,
		scope.AccountID, scope.RegionID, aliasName).Scan(&alias.AliasName, &alias.AliasARN, &alias.KeyID)
	if err != nil {
		return Alias{}, translate(err)
	}
	return alias, nil
}

// ListAliasesByKeyID returns one page of the aliases bound to keyID, in byte
// order of name, and their total count. It returns ErrNotFound when the key
// does not exist in scope.
//
// The key check, the count and the page are one statement, so they come from
// one snapshot in one round trip: a concurrent write can never make TotalCount
// disagree with the page. The left join keeps the key's row when the page is
// empty (past the end, or limit 0), so the count still comes back.
func (q *Queries) ListAliasesByKeyID(ctx context.Context, scope Scope, keyID string, limit, offset int64) (AliasPage, error) {
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
		WHERE k.account_id = $1 AND k.region_id = $2 AND k.key_id = $3`,
		scope.AccountID, scope.RegionID, keyID, limit, offset)
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
