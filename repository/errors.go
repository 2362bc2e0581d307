package repository

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	// ErrNotFound means that no row matched in the caller's scope.
	ErrNotFound = errors.New("not found")

	// ErrUnavailable means that PostgreSQL could not be reached or did not
	// respond in time. Retrying later may succeed.
	ErrUnavailable = errors.New("database unavailable")
)

// ConflictError reports a violated unique or foreign-key constraint, by name,
// so that callers can tell which rule a write broke.
type ConflictError struct {
	Constraint string
	err        error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("constraint %s violated: %v", e.Constraint, e.err)
}

func (e *ConflictError) Unwrap() error {
	return e.err
}

// Names of the constraints that callers match on; they are defined in the
// migrations.
const (
	ConstraintAliasPrimaryKey = "aliases_pkey"
	ConstraintAliasKey        = "aliases_key_fkey"
)

// IsConflict reports whether err is a violation of the named constraint.
func IsConflict(err error, constraint string) bool {
	var conflict *ConflictError
	return errors.As(err, &conflict) && conflict.Constraint == constraint
}

// translate is the one place that turns driver errors into this package's
// errors. The driver error stays wrapped for the log line.
func translate(err error) error {
	if err == nil {
		return nil
	}

	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}

	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505" || pgErr.Code == "23503":
			// unique_violation, foreign_key_violation
			return &ConflictError{Constraint: pgErr.ConstraintName, err: err}
		case pgErr.Code == "57014", pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03",
			pgErr.Code == "53300", pgErr.Code == "40001", pgErr.Code == "40P01", strings.HasPrefix(pgErr.Code, "08"):
			// query_canceled (statement_timeout), the admin_shutdown family,
			// too_many_connections, serialization_failure, deadlock_detected
			// and connection exceptions: the request may succeed if retried.
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}

	var netErr net.Error
	var connectErr *pgconn.ConnectError
	// A cancelled context is a client that hung up or a server shutting
	// down; either way the query may succeed when tried again.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || pgconn.Timeout(err) ||
		errors.As(err, &connectErr) || errors.As(err, &netErr) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
