package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `Usage: kmsmeta COMMAND [FLAGS]

Commands:
  serve                  serve the KMS API
  migrate up|down|status apply, roll back one, or list the schema migrations
  healthcheck            exit 0 when a running server's /readyz answers 200
  accesskey create|list|disable|enable|delete
                         manage the access keys that sign requests

Run "kmsmeta COMMAND -h" for a command's flags. Every flag can also be set
in the environment as KMSMETA_ and the flag name in capitals with "_" for
"-", for example KMSMETA_DATABASE_URL; a flag on the command line wins.
Secrets have no flag and come from the environment only: KMSMETA_MASTER_KEY,
and KMSMETA_BOOTSTRAP_ACCOUNT, KMSMETA_BOOTSTRAP_ACCESS_KEY_ID and
KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET, which make serve create that access key.
`

// errUsage marks a command line that could not be parsed; the flag package
// has already printed why.
var errUsage = errors.New("invalid command line")

// run carries out one command. Tests call it as main does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}

	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr, getenv)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr, getenv)
	case "accesskey":
		return runAccessKey(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// parseFlags parses args into flags, then fills every flag that args left
// unset from its KMSMETA_ environment variable.
func parseFlags(flags *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}

	setOnCommandLine := map[string]bool{}
	flags.Visit(func(f *flag.Flag) {
		setOnCommandLine[f.Name] = true
	})

	var errs []error
	flags.VisitAll(func(f *flag.Flag) {
		if setOnCommandLine[f.Name] {
			return
		}
		name := environmentName(f.Name)
		value := getenv(name)
		if value == "" {
			return
		}
		if err := flags.Set(f.Name, value); err != nil {
			errs = append(errs, fmt.Errorf("invalid %s: %w", name, err))
		}
	})
	return errors.Join(errs...)
}

// environmentName returns the variable that sets a flag, such as
// KMSMETA_DATABASE_URL for --database-url.
func environmentName(flagName string) string {
	return "KMSMETA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
