package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/internal/devpg"
	"kmsmeta/repository"
	"kmsmeta/service"
)

const accessKeyUsage = `Usage: kmsmeta accesskey COMMAND [FLAGS]

Commands:
  create --account UID [--output text|json]  create an access key and print its secret, this once
  list [--account UID] [--output text|json]  list access keys without their secrets
  disable ACCESS_KEY_ID                      reject requests signed with the access key
  enable ACCESS_KEY_ID                       accept them again
  delete ACCESS_KEY_ID                       delete the access key for good

Each command takes --database-url and --data-dir as serve does; create also
needs the master key (` + masterKeyVariable + ` or --master-key-file). Running
servers apply disable, enable and delete within their --access-key-cache-ttl
(10s by default).
`

// accessKeyConfig holds the flags of "kmsmeta accesskey".
type accessKeyConfig struct {
	databaseURL   string
	dataDir       string
	masterKeyFile string
	account       string
	output        string
}

func newAccessKeyFlags(command string, config *accessKeyConfig, stderr io.Writer) *flag.FlagSet {
	flags := flag.NewFlagSet("accesskey "+command, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, accessKeyUsage)
		fmt.Fprintln(stderr, "\nFlags of accesskey "+command+":")
		flags.PrintDefaults()
	}
	flags.StringVar(&config.databaseURL, "database-url", "",
		"PostgreSQL URL; when empty, the development PostgreSQL in --data-dir is used (started if it does not run)")
	flags.StringVar(&config.dataDir, "data-dir", "./kmsmeta-data", "directory of the development PostgreSQL, used when --database-url is empty")

	switch command {
	case "create":
		flags.StringVar(&config.masterKeyFile, "master-key-file", "", "file with the base64 master key; "+masterKeyVariable+" may hold the key instead")
		flags.StringVar(&config.account, "account", "", "16-digit account ID that the access key acts as (required)")
		flags.StringVar(&config.output, "output", "text", "output format: text or json")
	case "list":
		flags.StringVar(&config.account, "account", "", "16-digit account ID whose access keys to list; empty lists every account's")
		flags.StringVar(&config.output, "output", "text", "output format: text or json")
	}
	return flags
}

// parseAccessKeyFlags parses flags that may stand before or after the
// access key ID, and returns the positional arguments.
func parseAccessKeyFlags(flags *flag.FlagSet, args []string, getenv func(string) string) ([]string, error) {
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		if flags.NArg() == 0 {
			break
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}

	// Every flag is parsed; this only fills the unset ones from KMSMETA_.
	if err := parseFlags(flags, nil, getenv); err != nil {
		return nil, err
	}
	return positional, nil
}

func runAccessKey(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, accessKeyUsage)
		return errUsage
	}
	command := args[0]
	switch command {
	case "create", "list", "disable", "enable", "delete":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, accessKeyUsage)
		return nil
	default:
		fmt.Fprint(stderr, accessKeyUsage)
		return fmt.Errorf("unknown accesskey command %q: use create, list, disable, enable or delete", command)
	}

	var config accessKeyConfig
	positional, err := parseAccessKeyFlags(newAccessKeyFlags(command, &config, stderr), args[1:], getenv)
	if err != nil {
		return err
	}
	if err := checkAccessKeyArguments(command, config, positional); err != nil {
		return err
	}

	// Admin commands print results on stdout; only warnings and errors of
	// the database set-up go to stderr.
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return withAccessKeys(ctx, logger, config, command == "create", getenv, func(keys *service.AccessKeys) error {
		switch command {
		case "create":
			return createAccessKey(ctx, keys, config, stdout, stderr)
		case "list":
			return listAccessKeys(ctx, keys, config, stdout)
		case "disable", "enable":
			info, err := keys.SetEnabled(ctx, positional[0], command == "enable")
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "access key %s %sd; running servers apply this within their access key cache TTL\n", info.AccessKeyID, command)
			return nil
		default:
			if err := keys.Delete(ctx, positional[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "access key %s deleted; running servers apply this within their access key cache TTL\n", positional[0])
			return nil
		}
	})
}

func checkAccessKeyArguments(command string, config accessKeyConfig, positional []string) error {
	switch command {
	case "create", "list":
		if len(positional) > 0 {
			return fmt.Errorf("unexpected argument %q: accesskey %s takes only flags", positional[0], command)
		}
		if config.output != "text" && config.output != "json" {
			return fmt.Errorf("invalid --output %q: use text or json", config.output)
		}
		if command == "create" && config.account == "" {
			return errors.New("missing --account: accesskey create needs the 16-digit account ID that the key acts as")
		}
	default:
		if len(positional) != 1 {
			return fmt.Errorf("accesskey %s takes exactly one access key ID, got %d arguments", command, len(positional))
		}
	}
	return nil
}

// withAccessKeys opens the database (migrating it as serve does), builds
// AccessKeys on it and runs fn. Only create needs the master key, which is
// then checked against the database first.
func withAccessKeys(ctx context.Context, logger *slog.Logger, config accessKeyConfig, needMasterKey bool,
	getenv func(string) string, fn func(*service.AccessKeys) error) error {
	developmentDataDir := ""
	if config.databaseURL == "" {
		developmentDataDir = config.dataDir
	}
	var source masterKeySource
	if needMasterKey {
		var err error
		source, err = newMasterKeySource(getenv, config.masterKeyFile, developmentDataDir)
		if err != nil {
			return err
		}
		if !source.configured() {
			return errNoMasterKey
		}
	}

	pool, closeDatabase, err := openAdminDatabase(ctx, logger, config.databaseURL, config.dataDir)
	if err != nil {
		return err
	}
	defer closeDatabase()

	keys := service.NewAccessKeys(repository.NewStore(pool), nil)
	if needMasterKey {
		master, err := source.load(logger)
		if err != nil {
			return err
		}
		keys = service.NewAccessKeys(repository.NewStore(pool), master)
		if err := keys.CheckMasterKey(ctx); err != nil {
			return err
		}
	}
	return fn(keys)
}

// openAdminDatabase opens a migrated pool on databaseURL, or on the
// development PostgreSQL in dataDir, attaching to it when serve runs it.
func openAdminDatabase(ctx context.Context, logger *slog.Logger, databaseURL, dataDir string) (*pgxpool.Pool, func(), error) {
	stopServer := func() {}
	if databaseURL == "" {
		// An access key in a registry that no serve uses would be useless,
		// so a mistyped or missing --data-dir must not create a new one.
		exists, err := devpg.Exists(dataDir)
		if err != nil {
			return nil, nil, err
		}
		if !exists {
			return nil, nil, fmt.Errorf("no development database in %s: start kmsmeta serve with this --data-dir first, "+
				"or pass the --data-dir or --database-url that serve uses", dataDir)
		}

		server, err := devpg.StartOrAttach(ctx, devpg.Options{DataDir: dataDir, Durable: true, Logger: logger})
		if err != nil {
			return nil, nil, fmt.Errorf("start development PostgreSQL in %s: %w", dataDir, err)
		}
		stopServer = func() {
			if err := server.Stop(context.WithoutCancel(ctx)); err != nil {
				logger.Error("database: stop development PostgreSQL", slog.Any("error", err))
			}
		}
		databaseURL = server.URL()
	}

	pool, err := openPool(ctx, logger, databaseURL)
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	return pool, func() {
		pool.Close()
		stopServer()
	}, nil
}

func createAccessKey(ctx context.Context, keys *service.AccessKeys, config accessKeyConfig, stdout, stderr io.Writer) error {
	created, err := keys.Create(ctx, config.account)
	if err != nil {
		return err
	}

	if config.output == "json" {
		// The fields are spelled and ordered as the API's credentials are.
		fmt.Fprintf(stdout, "{\"AccessKeyId\": %s, \"AccessKeySecret\": %s, \"AccountId\": %s}\n",
			jsonString(created.AccessKeyID), jsonString(created.AccessKeySecret), jsonString(created.AccountID))
		return nil
	}
	fmt.Fprintf(stdout, "AccessKeyId:     %s\nAccessKeySecret: %s\nAccountId:       %s\n",
		created.AccessKeyID, created.AccessKeySecret, created.AccountID)
	fmt.Fprintln(stderr, "Store the secret now: it is shown only this once.")
	return nil
}

func jsonString(value string) string {
	encoded, _ := json.Marshal(value) // a string always encodes
	return string(encoded)
}

// accessKeyListEntry is one access key in the JSON output of list.
type accessKeyListEntry struct {
	AccessKeyID  string `json:"AccessKeyId"`
	AccountID    string `json:"AccountId"`
	Status       string `json:"Status"`
	CreationDate string `json:"CreationDate"`
}

func listAccessKeys(ctx context.Context, keys *service.AccessKeys, config accessKeyConfig, stdout io.Writer) error {
	listed, err := keys.List(ctx, config.account)
	if err != nil {
		return err
	}

	if config.output == "json" {
		entries := make([]accessKeyListEntry, 0, len(listed))
		for _, key := range listed {
			entries = append(entries, accessKeyListEntry{
				AccessKeyID: key.AccessKeyID, AccountID: key.AccountID, Status: key.Status,
				CreationDate: key.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
			})
		}
		encoder := json.NewEncoder(stdout)
		encoder.SetIndent("", "  ")
		return encoder.Encode(entries)
	}

	table := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(table, "ACCESS KEY ID\tACCOUNT ID\tSTATUS\tCREATED")
	for _, key := range listed {
		fmt.Fprintf(table, "%s\t%s\t%s\t%s\n", key.AccessKeyID, key.AccountID, key.Status, key.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return table.Flush()
}
