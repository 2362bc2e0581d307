package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"kmsmeta/migrations"
)

// Session settings applied unless the database URL sets them. A statement
// that runs longer than statementTimeout fails, and the request gets
// ServiceUnavailableTemporary instead of hanging.
const (
	defaultApplicationName  = "kmsmeta"
	defaultStatementTimeout = "5s"
	defaultIdleInTxTimeout  = "30s"
	defaultConnectTimeout   = 5 * time.Second
)

// newPoolConfig parses databaseURL and fills in production settings that the
// URL does not set.
func newPoolConfig(databaseURL string) (*pgxpool.Config, error) {
	config, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// The parse error can quote the URL, password included.
		return nil, fmt.Errorf("invalid database URL: it must be a PostgreSQL URL such as postgres://user:password@host:5432/dbname")
	}

	params := config.ConnConfig.RuntimeParams
	setDefault(params, "application_name", defaultApplicationName)
	setDefault(params, "statement_timeout", defaultStatementTimeout)
	setDefault(params, "idle_in_transaction_session_timeout", defaultIdleInTxTimeout)
	if config.ConnConfig.ConnectTimeout == 0 {
		config.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	return config, nil
}

func setDefault(params map[string]string, name, value string) {
	if _, ok := params[name]; !ok {
		params[name] = value
	}
}

// logPoolConfig logs where the pool connects and how, without the password.
func logPoolConfig(logger *slog.Logger, config *pgxpool.Config) {
	conn := config.ConnConfig
	logger.Info("database: pool configured",
		slog.String("host", conn.Host), slog.Int("port", int(conn.Port)),
		slog.String("database", conn.Database), slog.String("user", conn.User),
		slog.Int("max_conns", int(config.MaxConns)),
		slog.String("application_name", conn.RuntimeParams["application_name"]),
		slog.String("statement_timeout", conn.RuntimeParams["statement_timeout"]))
}

// migrateUp applies pending migrations, logging each with its version and
// duration. Replicas that start together take turns on an advisory lock.
func migrateUp(ctx context.Context, logger *slog.Logger, config *pgxpool.Config) error {
	db := openDB(config)
	defer db.Close()

	provider, err := migrations.NewProvider(db)
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	for _, result := range results {
		logger.Info("database: migration applied",
			slog.Int64("version", result.Source.Version), slog.String("file", result.Source.Path),
			slog.Duration("duration", result.Duration))
	}
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	if len(results) == 0 {
		logger.Info("database: schema is up to date")
	}
	return nil
}

// openDB returns a database/sql handle for goose, on the same settings as
// the pool.
func openDB(config *pgxpool.Config) *sql.DB {
	return stdlib.OpenDB(*config.ConnConfig)
}
