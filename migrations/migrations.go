// Package migrations embeds the registry's SQL schema as goose migrations.
//
// The schema is the source of truth for ARNs (generated columns) and for the
// constraints that the repository translates into API errors by name.
package migrations

import (
	"database/sql"
	"embed"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// FS returns the embedded migration files, for hashing in test set-up.
func FS() embed.FS {
	return files
}

// NewProvider returns a goose provider over the embedded migrations. It holds a
// PostgreSQL session advisory lock while migrating, so replicas that start
// together apply each migration once.
func NewProvider(db *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("create migration lock: %w", err)
	}

	provider, err := goose.NewProvider(goose.DialectPostgres, db, files, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return provider, nil
}
