package service

import (
	"context"
	"errors"

	"kmsmeta/repository"
)

// Alias is an alias as the API returns it.
type Alias struct {
	KeyID     string
	AliasARN  string
	AliasName string
}

// AliasPage is one page of aliases with the paging values in effect.
type AliasPage struct {
	PageNumber int64
	PageSize   int64
	TotalCount int64
	Aliases    []Alias
}

// ListAliasesByKeyIDInput holds the parameters of ListAliasesByKeyId as the
// client sent them; an empty string means "not given".
type ListAliasesByKeyIDInput struct {
	KeyID      string
	PageNumber string
	PageSize   string
}

// listAliasesByKeyIDSizes is the documented PageSize range, 0 to 101, taken
// literally.
var listAliasesByKeyIDSizes = pageRange{minSize: 0, maxSize: 101, defaultSize: 10}

// ListAliasesByKeyID returns one page of the aliases bound to a key, given by
// key ID or key ARN. An alias in place of the key is not resolved: it is
// reported as a key that does not exist.
func (s *Service) ListAliasesByKeyID(ctx context.Context, scope Scope, in ListAliasesByKeyIDInput) (AliasPage, error) {
	if in.KeyID == "" {
		return AliasPage{}, MissingParameter("KeyId")
	}
	paging, err := parsePage(in.PageNumber, in.PageSize, listAliasesByKeyIDSizes)
	if err != nil {
		return AliasPage{}, err
	}

	ref := parseKeyRef(scope, in.KeyID)
	if ref.isAlias() || ref.foreign {
		return AliasPage{}, keyNotFound()
	}

	rows, err := s.store.ListAliasesByKeyID(ctx, scope, ref.keyID, s.now(), paging.limit(), paging.offset())
	if errors.Is(err, repository.ErrNotFound) {
		return AliasPage{}, keyNotFound()
	}
	if err != nil {
		return AliasPage{}, fromRepository(err)
	}

	return newAliasPage(paging, rows), nil
}

// CreateAliasInput holds the parameters of CreateAlias.
type CreateAliasInput struct {
	AliasName string
	KeyID     string
}

// CreateAlias binds a new alias to a key given by key ID or key ARN.
func (s *Service) CreateAlias(ctx context.Context, scope Scope, in CreateAliasInput) error {
	ref, err := parseAliasTarget(scope, in.AliasName, in.KeyID)
	if err != nil {
		return err
	}
	if ref.foreign {
		return keyNotFound()
	}

	return s.inTx(ctx, func(q *repository.Queries) error {
		// The share lock keeps the key from being scheduled for deletion
		// between the state check and the insert.
		key, err := s.foundKey(q.GetKeyForShare(ctx, scope, ref.keyID))
		if err != nil {
			return err
		}

		// A taken name is a lookup result, so it comes before the state
		// and quota rules. The insert below still catches a concurrent
		// create of the same name.
		_, err = q.GetAlias(ctx, scope, in.AliasName)
		if err == nil {
			return aliasAlreadyExists()
		}
		if !errors.Is(err, repository.ErrNotFound) {
			return fromRepository(err)
		}

		if key.State == StatePendingDeletion {
			return stateModifiedFailed(key.State)
		}
		if err := checkQuota(ctx, q, scope, "aliases", s.limits.MaxAliasesPerAccount, q.CountAliases); err != nil {
			return err
		}

		_, err = q.InsertAlias(ctx, scope, in.AliasName, key.KeyID)
		switch {
		case repository.IsConflict(err, repository.ConstraintAliasPrimaryKey):
			return aliasAlreadyExists()
		case repository.IsConflict(err, repository.ConstraintAliasKey):
			// The key was deleted for good after the lookup.
			return keyNotFound()
		case err != nil:
			return fromRepository(err)
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action: "CreateAlias", KeyID: key.KeyID, AliasName: in.AliasName,
			NewValue: map[string]any{"KeyId": key.KeyID},
		})
	})
}

// UpdateAliasInput holds the parameters of UpdateAlias. KeyID names the key
// the alias moves to.
type UpdateAliasInput struct {
	AliasName string
	KeyID     string
}

// UpdateAlias binds an existing alias to another key.
func (s *Service) UpdateAlias(ctx context.Context, scope Scope, in UpdateAliasInput) error {
	ref, err := parseAliasTarget(scope, in.AliasName, in.KeyID)
	if err != nil {
		return err
	}

	return s.inTx(ctx, func(q *repository.Queries) error {
		// The alias is checked first, as the contract orders lookups, but
		// locked only after the key: the deletion worker locks keys before
		// the aliases it deletes with them, and one lock order rules out a
		// deadlock between the two.
		if _, err := foundAlias(q.GetAlias(ctx, scope, in.AliasName)); err != nil {
			return err
		}

		if ref.foreign {
			return keyNotFound()
		}
		key, err := s.foundKey(q.GetKeyForShare(ctx, scope, ref.keyID))
		if err != nil {
			return err
		}
		if key.State == StatePendingDeletion {
			return pendingDeletion()
		}

		// The lock makes a concurrent DeleteAlias or UpdateAlias of this
		// alias run entirely before or after this one.
		alias, err := foundAlias(q.GetAliasForUpdate(ctx, scope, in.AliasName))
		if err != nil {
			return err
		}
		if _, err := q.UpdateAliasKey(ctx, scope, in.AliasName, key.KeyID); err != nil {
			return fromRepository(err)
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action: "UpdateAlias", KeyID: key.KeyID, AliasName: in.AliasName,
			OldValue: map[string]any{"KeyId": alias.KeyID},
			NewValue: map[string]any{"KeyId": key.KeyID},
		})
	})
}

// parseAliasTarget checks the parameters of CreateAlias and UpdateAlias
// before any lookup: both are required, the name must follow the alias
// rules, and the target must be a key ID or key ARN, not an alias.
func parseAliasTarget(scope Scope, aliasName, keyID string) (keyRef, error) {
	if aliasName == "" {
		return keyRef{}, MissingParameter("AliasName")
	}
	if keyID == "" {
		return keyRef{}, MissingParameter("KeyId")
	}
	if err := validateAliasName(aliasName); err != nil {
		return keyRef{}, err
	}

	ref := parseKeyRef(scope, keyID)
	if ref.isAlias() {
		return keyRef{}, unsupportedAlias()
	}
	return ref, nil
}

// DeleteAliasInput holds the parameters of DeleteAlias.
type DeleteAliasInput struct {
	AliasName string
}

// DeleteAlias deletes an alias. The key it named is not touched.
func (s *Service) DeleteAlias(ctx context.Context, scope Scope, in DeleteAliasInput) error {
	if err := validateAliasName(in.AliasName); err != nil {
		return err
	}

	return s.inTx(ctx, func(q *repository.Queries) error {
		alias, err := foundAlias(q.DeleteAlias(ctx, scope, in.AliasName))
		if err != nil {
			return err
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action: "DeleteAlias", KeyID: alias.KeyID, AliasName: alias.AliasName,
			OldValue: map[string]any{"KeyId": alias.KeyID},
		})
	})
}

// ListAliasesInput holds the parameters of ListAliases.
type ListAliasesInput struct {
	PageNumber string
	PageSize   string
}

var listAliasesSizes = pageRange{minSize: 0, maxSize: 100, defaultSize: 10}

// ListAliases returns one page of all aliases in scope, in byte order.
//
// NOTE: aliases of a key whose DeleteDate has passed are still listed, and
// UpdateAlias and DeleteAlias still find them, until the deletion worker
// removes them at most one --deletion-interval later. DescribeKey already
// reports them as not found.
func (s *Service) ListAliases(ctx context.Context, scope Scope, in ListAliasesInput) (AliasPage, error) {
	paging, err := parsePage(in.PageNumber, in.PageSize, listAliasesSizes)
	if err != nil {
		return AliasPage{}, err
	}

	rows, err := s.store.ListAliases(ctx, scope, paging.limit(), paging.offset())
	if err != nil {
		return AliasPage{}, fromRepository(err)
	}
	return newAliasPage(paging, rows), nil
}

func newAliasPage(paging page, rows repository.AliasPage) AliasPage {
	result := AliasPage{
		PageNumber: paging.Number,
		PageSize:   paging.Size,
		TotalCount: rows.TotalCount,
		Aliases:    make([]Alias, 0, len(rows.Aliases)),
	}
	for _, alias := range rows.Aliases {
		result.Aliases = append(result.Aliases, Alias{KeyID: alias.KeyID, AliasARN: alias.AliasARN, AliasName: alias.AliasName})
	}
	return result
}
