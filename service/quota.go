package service

import (
	"context"
	"fmt"

	"kmsmeta/repository"
)

// Limits caps what one account may create in the server's region. Zero means
// no limit.
type Limits struct {
	MaxKeysPerAccount    int64
	MaxAliasesPerAccount int64
}

// WithLimits sets the per-account quotas.
func WithLimits(limits Limits) Option {
	return func(s *Service) {
		s.limits = limits
	}
}

func limitExceeded(resource string, limit int64) *Error {
	return &Error{
		Code:    CodeLimitExceeded,
		Message: fmt.Sprintf("The account already has the maximum of %d %s in this region; delete some before creating more.", limit, resource),
	}
}

// checkQuota fails when the account already has limit items, as counted by
// count. It locks the account row first, so concurrent creates of one
// account count one after another and never overshoot the limit together.
func checkQuota(ctx context.Context, q *repository.Queries, scope Scope, resource string, limit int64,
	count func(context.Context, repository.Scope) (int64, error)) error {
	if limit <= 0 {
		return nil
	}

	if err := q.LockAccount(ctx, scope.AccountID); err != nil {
		return fromRepository(err)
	}
	existing, err := count(ctx, scope)
	if err != nil {
		return fromRepository(err)
	}

	if existing >= limit {
		return limitExceeded(resource, limit)
	}
	return nil
}
