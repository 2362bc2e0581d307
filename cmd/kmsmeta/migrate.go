package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"kmsmeta/migrations"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	flags := flag.NewFlagSet("migrate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	databaseURL := flags.String("database-url", "", "PostgreSQL URL of the database to migrate (required)")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kmsmeta migrate up|down|status --database-url URL")
		flags.PrintDefaults()
	}

	// The direction may come before or after the flags.
	direction := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		direction, args = args[0], args[1:]
	}
	if err := parseFlags(flags, args, getenv); err != nil {
		return err
	}
	if direction == "" && flags.NArg() > 0 {
		direction = flags.Arg(0)
	} else if flags.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: migrate takes one direction", flags.Arg(0))
	}

	if direction == "" {
		flags.Usage()
		return errors.New("missing direction: use kmsmeta migrate up, down or status")
	}
	if *databaseURL == "" {
		return errors.New("missing --database-url (or KMSMETA_DATABASE_URL): migrate needs a database")
	}

	poolConfig, err := newPoolConfig(*databaseURL)
	if err != nil {
		return err
	}
	db := openDB(poolConfig)
	defer db.Close()

	provider, err := migrations.NewProvider(db)
	if err != nil {
		return err
	}

	switch direction {
	case "up":
		results, err := provider.Up(ctx)
		for _, result := range results {
			fmt.Fprintf(stdout, "applied %s in %s\n", result.Source.Path, result.Duration)
		}
		if err != nil {
			return fmt.Errorf("apply migrations: %w", err)
		}
		if len(results) == 0 {
			fmt.Fprintln(stdout, "schema is up to date")
		}
	case "down":
		result, err := provider.Down(ctx)
		if err != nil {
			return fmt.Errorf("roll back migration: %w", err)
		}
		fmt.Fprintf(stdout, "rolled back %s in %s\n", result.Source.Path, result.Duration)
	case "status":
		statuses, err := provider.Status(ctx)
		if err != nil {
			return fmt.Errorf("read migration status: %w", err)
		}
		for _, status := range statuses {
			applied := "pending"
			if !status.AppliedAt.IsZero() {
				applied = "applied " + status.AppliedAt.UTC().Format("2006-01-02T15:04:05Z")
			}
			fmt.Fprintf(stdout, "%s\t%s\n", status.Source.Path, applied)
		}
	default:
		flags.Usage()
		return fmt.Errorf("unknown migrate direction %q: use up, down or status", direction)
	}
	return nil
}
