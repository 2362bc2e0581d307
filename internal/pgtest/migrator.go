package pgtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/peterldowns/pgtestdb"

	"kmsmeta/migrations"
)

// gooseMigrator applies the embedded goose migrations to pgtestdb's template
// database. pgtestdb reuses a template while Hash stays the same.
type gooseMigrator struct{}

// Hash returns a SHA-256 over the names and contents of the embedded
// migration files, so that changing any file builds a new template.
func (gooseMigrator) Hash() (string, error) {
	return hashFiles(migrations.FS())
}

// hashFiles returns the hex SHA-256 over the names and contents of every
// file in files.
func hashFiles(files fs.FS) (string, error) {
	hash := sha256.New()

	// WalkDir visits files in lexical order, so the hash is stable.
	err := fs.WalkDir(files, ".", func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		content, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}

		// Length prefixes keep "a"+"bc" and "ab"+"c" apart.
		fmt.Fprintf(hash, "%d:%s:%d:", len(path), path, len(content))
		hash.Write(content)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash embedded migration files: %w", err)
	}
	return hex.EncodeToString(hash.Sum(nil)), nil
}

// Migrate applies every migration to the template database with goose.
func (gooseMigrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	provider, err := migrations.NewProvider(db)
	if err != nil {
		return err
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations to the template database: %w", err)
	}
	return nil
}
