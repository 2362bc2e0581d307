// Package service holds the API's rules: parameter validation, the forms of
// KeyId, key states and transactions. It does not depend on HTTP. Its errors
// carry the API error code, and the transport maps codes to statuses.
package service

import (
	"context"
	"errors"
	"time"

	"kmsmeta/repository"
)

// Service carries out the KMS operations on a Store.
type Service struct {
	store  *repository.Store
	now    func() time.Time
	limits Limits
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the wall clock, for tests that decide dates.
func WithClock(now func() time.Time) Option {
	return func(s *Service) {
		s.now = now
	}
}

// New returns a Service on store.
func New(store *repository.Store, options ...Option) *Service {
	s := &Service{store: store, now: time.Now}
	for _, option := range options {
		option(s)
	}
	return s
}

// Scope is the account and region that a request acts in.
type Scope = repository.Scope

// inTx runs fn in a transaction. Errors that fn returns pass through; an
// error of the transaction itself (begin or commit) becomes an API error.
func (s *Service) inTx(ctx context.Context, fn func(q *repository.Queries) error) error {
	err := s.store.InTx(ctx, fn)
	var apiErr *Error
	if err != nil && !errors.As(err, &apiErr) {
		return fromRepository(err)
	}
	return err
}
