// Package pgtest gives each test its own migrated PostgreSQL database.
//
// Databases are created on the first server available, in this order: the
// server that TEST_DATABASE_URL points at, a postgres:16-alpine container
// when a Docker engine responds, or a private server that this test process
// starts from the locally installed PostgreSQL binaries. A package that uses
// pgtest must run its tests through Main, which stops a container or private
// server after the last test:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// pgtestdb creates a migrated template database once per server and clones
// it for every test, so each test costs one CREATE DATABASE instead of a
// migration run.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver that pgtestdb uses
	"github.com/peterldowns/pgtestdb"
)

// Main runs the tests and then stops the container or private server that
// this process started, if any. It returns the exit code for os.Exit, which
// is 1 when stopping failed after passing tests.
func Main(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()

	if err := stopServer(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stopping the test server failed: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// NewDatabaseURL creates a database with all migrations applied and returns
// its connection URL. The database is dropped when the test ends, unless the
// test failed, in which case pgtestdb keeps it for inspection.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, requireServer(t).config, gooseMigrator{}).URL()
}

// NewEmptyDatabaseURL creates a database without any migrations and returns
// its connection URL, for tests of the migrations themselves. It is dropped
// like the databases of NewDatabaseURL.
func NewEmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, requireServer(t).config, pgtestdb.NoopMigrator{}).URL()
}

// NewPool opens a connection pool on a new database from NewDatabaseURL and
// closes it when the test ends, before the database is dropped.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	databaseURL := NewDatabaseURL(t)

	pool, err := pgxpool.New(context.Background(), databaseURL)
	if err != nil {
		t.Fatalf("pgtest: open connection pool on the test database: %v", err)
	}
	t.Cleanup(pool.Close)

	if err := pool.Ping(context.Background()); err != nil {
		t.Fatalf("pgtest: connect to the test database: %v", err)
	}
	return pool
}
