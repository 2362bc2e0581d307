// Package repository is the only package that speaks SQL. It returns typed
// rows and its own errors (ErrNotFound, ErrConflict, ErrUnavailable), and never
// formats API messages.
package repository

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dbtx is the part of a pool or a transaction that queries use, so that the
// same query methods run inside and outside a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries holds the registry's queries. Every query takes the Scope it acts
// in, so no row of another account or region can be read or written.
type Queries struct {
	db dbtx
}

// Store is the registry's database: its queries run on the pool, and InTx runs
// a group of them in one transaction.
type Store struct {
	Queries
	pool *pgxpool.Pool
}

// NewStore returns a Store on pool. The caller keeps ownership of the pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{Queries: Queries{db: pool}, pool: pool}
}

// Scope is the account and region that a request acts in. Queries filter
// on AccountID and RegionID; AccessKeyID only identifies the caller in the
// audit trail and is empty when requests are not signed.
type Scope struct {
	AccountID   string
	RegionID    string
	AccessKeyID string
}

// InTx runs fn in a transaction and commits it when fn returns nil. The
// rollback runs even when ctx has been cancelled, so that a client that hangs
// up never leaves a connection idle in a transaction.
func (s *Store) InTx(ctx context.Context, fn func(q *Queries) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err)
	}

	// A panic in fn must not leave the connection checked out in an open
	// transaction; net/http recovers handler panics and goes on serving.
	defer func() {
		if recovered := recover(); recovered != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(recovered)
		}
	}()

	if err := fn(&Queries{db: tx}); err != nil {
		if rollbackErr := tx.Rollback(context.WithoutCancel(ctx)); rollbackErr != nil && !errors.Is(rollbackErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("roll back: %w", translate(rollbackErr)))
		}
		return err
	}

	if err := tx.Commit(ctx); err != nil {
		return translate(err)
	}
	return nil
}

// Ping checks that the database responds, for health checks.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.pool.Ping(ctx))
}
