package pgtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) {
	os.Exit(Main(m))
}

func connect(t *testing.T, databaseURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), databaseURL)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	// Registered after the database's own cleanup, so it runs first and the
	// database can be dropped.
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// tableExists reports whether a table of that name is visible on the search path.
func tableExists(t *testing.T, query func(context.Context, string, ...any) pgx.Row, name string) bool {
	t.Helper()
	var exists bool
	if err := query(t.Context(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
		t.Fatalf("look up table %s: %v", name, err)
	}
	return exists
}

func TestNewPoolHasSchema(t *testing.T) {
	t.Parallel()
	pool := NewPool(t)

	for _, table := range []string{"accounts", "keys", "aliases"} {
		if !tableExists(t, pool.QueryRow, table) {
			t.Errorf("table %s is missing from the migrated database", table)
		}
	}

	var version int64
	if err := pool.QueryRow(t.Context(), "SELECT max(version_id) FROM goose_db_version").Scan(&version); err != nil {
		t.Fatalf("read goose version: %v", err)
	}
	if version < 1 {
		t.Errorf("goose version = %d, want at least 1", version)
	}
}

func TestNewDatabaseURLIsolatesDatabases(t *testing.T) {
	t.Parallel()
	firstURL := NewDatabaseURL(t)
	secondURL := NewDatabaseURL(t)
	if firstURL == secondURL {
		t.Fatalf("both calls returned %s, want two databases", firstURL)
	}

	first := connect(t, firstURL)
	second := connect(t, secondURL)
	if _, err := first.Exec(t.Context(), "INSERT INTO accounts (account_id) VALUES ('1540355698848459')"); err != nil {
		t.Fatalf("insert account into the first database: %v", err)
	}

	var firstCount, secondCount int
	if err := first.QueryRow(t.Context(), "SELECT count(*) FROM accounts").Scan(&firstCount); err != nil {
		t.Fatalf("count accounts in the first database: %v", err)
	}
	if err := second.QueryRow(t.Context(), "SELECT count(*) FROM accounts").Scan(&secondCount); err != nil {
		t.Fatalf("count accounts in the second database: %v", err)
	}
	if firstCount != 1 {
		t.Errorf("first database has %d accounts, want 1", firstCount)
	}
	if secondCount != 0 {
		t.Errorf("second database has %d accounts, want 0 because the insert went to the first", secondCount)
	}

	var firstName, secondName string
	if err := first.QueryRow(t.Context(), "SELECT current_database()").Scan(&firstName); err != nil {
		t.Fatalf("read name of the first database: %v", err)
	}
	if err := second.QueryRow(t.Context(), "SELECT current_database()").Scan(&secondName); err != nil {
		t.Fatalf("read name of the second database: %v", err)
	}
	if firstName == secondName {
		t.Errorf("both URLs lead to database %s", firstName)
	}
}

func TestNewEmptyDatabaseURLHasNoSchema(t *testing.T) {
	t.Parallel()
	conn := connect(t, NewEmptyDatabaseURL(t))

	for _, table := range []string{"keys", "aliases", "goose_db_version"} {
		if tableExists(t, conn.QueryRow, table) {
			t.Errorf("table %s exists in the empty database", table)
		}
	}
}

func TestConfigFromURL(t *testing.T) {
	tests := []struct {
		name         string
		connString   string
		wantHost     string
		wantPort     string
		wantUser     string
		wantPassword string
		wantDatabase string
		wantOptions  string
	}{
		{
			name:         "URL with query",
			connString:   "postgres://admin:secret@127.0.0.1:5433/registry?sslmode=disable&application_name=tests",
			wantHost:     "127.0.0.1",
			wantPort:     "5433",
			wantUser:     "admin",
			wantPassword: "secret",
			wantDatabase: "registry",
			wantOptions:  "sslmode=disable&application_name=tests",
		},
		{
			name:         "keyword form without TLS",
			connString:   "host=localhost port=5432 user=admin password=secret dbname=registry sslmode=disable",
			wantHost:     "localhost",
			wantPort:     "5432",
			wantUser:     "admin",
			wantPassword: "secret",
			wantDatabase: "registry",
			wantOptions:  "sslmode=disable",
		},
		{
			name:         "IPv6 host",
			connString:   "postgres://admin:secret@[::1]:5432/registry?sslmode=disable",
			wantHost:     "[::1]",
			wantPort:     "5432",
			wantUser:     "admin",
			wantPassword: "secret",
			wantDatabase: "registry",
			wantOptions:  "sslmode=disable",
		},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			config, err := configFromURL(test.connString)
			if err != nil {
				t.Fatalf("configFromURL: %v", err)
			}
			if config.DriverName != "pgx" {
				t.Errorf("DriverName = %q, want pgx", config.DriverName)
			}
			if config.Host != test.wantHost {
				t.Errorf("Host = %q, want %q", config.Host, test.wantHost)
			}
			if config.Port != test.wantPort {
				t.Errorf("Port = %q, want %q", config.Port, test.wantPort)
			}
			if config.User != test.wantUser {
				t.Errorf("User = %q, want %q", config.User, test.wantUser)
			}
			if config.Password != test.wantPassword {
				t.Errorf("Password = %q, want %q", config.Password, test.wantPassword)
			}
			if config.Database != test.wantDatabase {
				t.Errorf("Database = %q, want %q", config.Database, test.wantDatabase)
			}
			if config.Options != test.wantOptions {
				t.Errorf("Options = %q, want %q", config.Options, test.wantOptions)
			}
		})
	}
}

func TestConfigFromURLEscapesCredentials(t *testing.T) {
	const password = "p@ss:w/rd?#%"
	config, err := configFromURL("host=127.0.0.1 port=5432 user=ad@min dbname=registry sslmode=disable password='" + password + "'")
	if err != nil {
		t.Fatalf("configFromURL: %v", err)
	}

	// pgtestdb builds its URLs from the fields, so they must parse back to
	// the same credentials.
	roundTrip, err := pgconn.ParseConfig(config.URL())
	if err != nil {
		t.Fatalf("parse the URL that pgtestdb builds: %v", err)
	}
	if roundTrip.User != "ad@min" {
		t.Errorf("user after round trip = %q, want %q", roundTrip.User, "ad@min")
	}
	if roundTrip.Password != password {
		t.Errorf("password after round trip = %q, want %q", roundTrip.Password, password)
	}
	if roundTrip.Host != "127.0.0.1" {
		t.Errorf("host after round trip = %q, want 127.0.0.1", roundTrip.Host)
	}
}

func TestConfigFromURLRejectsBadInput(t *testing.T) {
	tests := []struct {
		name       string
		connString string
		wantError  string
	}{
		{name: "Unix socket", connString: "host=/var/run/postgresql user=admin", wantError: "Unix socket"},
		{name: "bad port", connString: "postgres://admin@127.0.0.1:notaport/registry", wantError: "port"},
		{name: "unknown scheme", connString: "mysql://admin@127.0.0.1/registry", wantError: "cannot parse"},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := configFromURL(test.connString)
			if err == nil {
				t.Fatalf("configFromURL(%q) succeeded, want an error", test.connString)
			}
			if !strings.Contains(err.Error(), test.wantError) {
				t.Errorf("error %q does not mention %q", err, test.wantError)
			}
		})
	}
}

func TestMigratorHashIsStable(t *testing.T) {
	first, err := gooseMigrator{}.Hash()
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	second, err := gooseMigrator{}.Hash()
	if err != nil {
		t.Fatalf("second Hash: %v", err)
	}
	if first != second {
		t.Errorf("Hash is not stable: %s then %s", first, second)
	}
	if len(first) != 64 {
		t.Errorf("Hash = %q, want 64 hex digits of SHA-256", first)
	}
}

func TestHashFilesSeesEveryChange(t *testing.T) {
	base := fstest.MapFS{
		"00001_a.sql": {Data: []byte("CREATE TABLE a ();")},
		"00002_b.sql": {Data: []byte("CREATE TABLE b ();")},
	}
	changes := map[string]fstest.MapFS{
		"edited content": {
			"00001_a.sql": {Data: []byte("CREATE TABLE a (id int);")},
			"00002_b.sql": {Data: []byte("CREATE TABLE b ();")},
		},
		"renamed file": {
			"00001_a.sql": {Data: []byte("CREATE TABLE a ();")},
			"00003_b.sql": {Data: []byte("CREATE TABLE b ();")},
		},
		"added file": {
			"00001_a.sql": {Data: []byte("CREATE TABLE a ();")},
			"00002_b.sql": {Data: []byte("CREATE TABLE b ();")},
			"00003_c.sql": {Data: []byte("")},
		},
		"bytes moved between name and content": {
			"00001_a.sql": {Data: []byte("CREATE TABLE a ();")},
			"00002_b.sq":  {Data: []byte("lCREATE TABLE b ();")},
		},
	}

	baseHash, err := hashFiles(base)
	if err != nil {
		t.Fatalf("hash base files: %v", err)
	}
	for name, changed := range changes {
		changedHash, err := hashFiles(changed)
		if err != nil {
			t.Fatalf("hash files with %s: %v", name, err)
		}
		if changedHash == baseHash {
			t.Errorf("hash with %s equals the base hash %s", name, baseHash)
		}
	}
}

// The findServer tests run before the parallel tests resume, so changing the
// environment and mainRunning here cannot affect them.

func TestFindServerRejectsInvalidURL(t *testing.T) {
	t.Setenv(databaseURLVariable, "mysql://admin@127.0.0.1/registry")

	srv, err := findServer()
	if err == nil {
		t.Fatalf("findServer succeeded with %s", srv.description)
	}
	if !strings.Contains(err.Error(), "invalid "+databaseURLVariable) {
		t.Errorf("error does not name %s: %v", databaseURLVariable, err)
	}
}

func TestFindServerRequiresMain(t *testing.T) {
	t.Setenv(databaseURLVariable, "")
	mainRunning.Store(false)
	t.Cleanup(func() { mainRunning.Store(true) })

	srv, err := findServer()
	if err == nil {
		t.Fatalf("findServer without Main started %s, want an error", srv.description)
	}
	if !strings.Contains(err.Error(), "os.Exit(pgtest.Main(m))") {
		t.Errorf("error does not show the TestMain to add: %v", err)
	}
}
