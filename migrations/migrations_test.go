package migrations_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kmsmeta/internal/pgtest"
	"kmsmeta/migrations"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

// tables returns the names of the tables in the public schema, sorted.
func tables(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()

	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("scan table name: %v", err)
		}
		names = append(names, name)
	}
	return strings.Join(names, ",")
}

func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", pgtest.NewEmptyDatabaseURL(t))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()

	provider, err := migrations.NewProvider(db)
	if err != nil {
		t.Fatalf("new provider: %v", err)
	}
	sources := provider.ListSources()

	if _, err := provider.Up(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	want := tables(t, db)
	if !strings.Contains(want, "aliases") || !strings.Contains(want, "keys") {
		t.Fatalf("tables after up = %q, want aliases and keys", want)
	}

	if _, err := provider.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to zero: %v", err)
	}
	if got := tables(t, db); got != "" {
		t.Errorf("tables after down = %q, want none", got)
	}

	results, err := provider.Up(ctx)
	if err != nil {
		t.Fatalf("second up: %v", err)
	}
	if len(results) != len(sources) {
		t.Errorf("second up applied %d migrations, want all %d", len(results), len(sources))
	}
	if got := tables(t, db); got != want {
		t.Errorf("tables after up, down, up = %q, want %q", got, want)
	}
}

func TestSchemaCommentsEverywhere(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", pgtest.NewDatabaseURL(t))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })

	// Operators read the schema with \d+ in psql, so every table, view and
	// column must explain itself.
	rows, err := db.Query(`
		SELECT c.relname, '' FROM pg_class AS c
		JOIN pg_namespace AS n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND c.relname <> 'goose_db_version'
		  AND obj_description(c.oid, 'pg_class') IS NULL
		UNION ALL
		SELECT c.relname, a.attname FROM pg_class AS c
		JOIN pg_namespace AS n ON n.oid = c.relnamespace
		JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND c.relname <> 'goose_db_version'
		  AND col_description(c.oid, a.attnum) IS NULL`)
	if err != nil {
		t.Fatalf("query comments: %v", err)
	}
	defer rows.Close()

	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if column == "" {
			t.Errorf("no COMMENT on table %s", table)
		} else {
			t.Errorf("no COMMENT on column %s.%s", table, column)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read rows: %v", err)
	}
}
