package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/httpapi"
	"kmsmeta/internal/devpg"
	"kmsmeta/repository"
	"kmsmeta/service"
)

// serveConfig holds the flags of "kmsmeta serve".
type serveConfig struct {
	listen      string
	databaseURL string
	region      string
	auth        string
	account     string
	dataDir     string
	logLevel    slog.Level

	maxKeysPerAccount    int64
	maxAliasesPerAccount int64
	deletionInterval     time.Duration
	maxRequestsPerSecond float64
	maxRequestBurst      int

	masterKeyFile     string
	accessKeyCacheTTL time.Duration
	tlsCertFile       string
	tlsKeyFile        string

	// masterKey and bootstrap come from the environment and the flags above.
	masterKey masterKeySource
	bootstrap *bootstrapKey
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	accountPattern = regexp.MustCompile(`^[0-9]{16}$`)
)

// shutdownTimeout bounds how long in-flight requests may finish after
// SIGINT or SIGTERM.
const shutdownTimeout = 15 * time.Second

// maxAccessKeyCacheTTL bounds --access-key-cache-ttl, because a disabled
// access key keeps working for that long.
const maxAccessKeyCacheTTL = 10 * time.Minute

// newServeFlags defines the flags of "kmsmeta serve" on config.
func newServeFlags(config *serveConfig, stderr io.Writer) *flag.FlagSet {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&config.listen, "listen", "127.0.0.1:8080", "TCP address to serve the API on, host:port")
	flags.StringVar(&config.databaseURL, "database-url", "",
		"PostgreSQL URL; when empty, a private PostgreSQL is started in --data-dir (development default)")
	flags.StringVar(&config.region, "region", "cn-hangzhou", "region this server serves, as in ARNs and RegionId")
	flags.StringVar(&config.auth, "auth", "signature",
		`request authentication: "signature" verifies V1 and V3 signatures against access keys; "none" serves every request as --account (local experiments only)`)
	flags.StringVar(&config.account, "account", "1000000000000001", "16-digit account ID that requests act as with --auth none")
	flags.StringVar(&config.dataDir, "data-dir", "./kmsmeta-data", "directory of the development PostgreSQL, used when --database-url is empty")
	flags.TextVar(&config.logLevel, "log-level", slog.LevelInfo, "minimum level of log lines: DEBUG, INFO, WARN or ERROR")
	flags.Int64Var(&config.maxKeysPerAccount, "max-keys-per-account", 0, "keys one account may have in the region; 0 means no limit")
	flags.Int64Var(&config.maxAliasesPerAccount, "max-aliases-per-account", 0, "aliases one account may have in the region; 0 means no limit")
	flags.DurationVar(&config.deletionInterval, "deletion-interval", time.Minute,
		"how often keys whose DeleteDate has passed are deleted for good, such as 30s or 5m")
	flags.Float64Var(&config.maxRequestsPerSecond, "max-requests-per-second", 0,
		"average requests per second that one account may send to this server; 0 means no limit")
	flags.IntVar(&config.maxRequestBurst, "max-request-burst", 0,
		"requests that one account may send at once above the average; 0 means the per-second rate, rounded up")
	flags.StringVar(&config.masterKeyFile, "master-key-file", "",
		"file with the base64 master key that seals access key secrets; "+masterKeyVariable+" may hold the key instead, "+
			"and the development default creates "+masterKeyFileName+" in --data-dir")
	flags.DurationVar(&config.accessKeyCacheTTL, "access-key-cache-ttl", service.DefaultAccessKeyCacheTTL,
		"how long a server trusts what it read about an access key; a disabled or deleted key works for at most this long")
	flags.StringVar(&config.tlsCertFile, "tls-cert-file", "", "PEM certificate (chain) file; with --tls-key-file, serve HTTPS instead of HTTP")
	flags.StringVar(&config.tlsKeyFile, "tls-key-file", "", "PEM private key file of --tls-cert-file")
	return flags
}

func parseServeFlags(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	var config serveConfig
	flags := newServeFlags(&config, stderr)

	if err := parseFlags(flags, args, getenv); err != nil {
		return serveConfig{}, err
	}
	if flags.NArg() > 0 {
		return serveConfig{}, fmt.Errorf("unexpected argument %q: serve takes only flags", flags.Arg(0))
	}

	if !regionPattern.MatchString(config.region) {
		return serveConfig{}, fmt.Errorf("invalid --region %q: use lowercase letters, digits and -, such as cn-hangzhou", config.region)
	}
	if config.auth != "none" && config.auth != "signature" {
		return serveConfig{}, fmt.Errorf("invalid --auth %q: use signature (the default) or none", config.auth)
	}
	if !accountPattern.MatchString(config.account) {
		return serveConfig{}, fmt.Errorf("invalid --account %q: an account ID has 16 digits", config.account)
	}
	if config.maxKeysPerAccount < 0 || config.maxAliasesPerAccount < 0 {
		return serveConfig{}, errors.New("invalid quota: --max-keys-per-account and --max-aliases-per-account must be 0 (no limit) or more")
	}
	if config.deletionInterval < time.Second {
		return serveConfig{}, fmt.Errorf("invalid --deletion-interval %s: it must be at least 1s", config.deletionInterval)
	}
	if config.maxRequestsPerSecond < 0 || config.maxRequestBurst < 0 {
		return serveConfig{}, errors.New("invalid throttling: --max-requests-per-second and --max-request-burst must be 0 (no limit) or more")
	}
	if config.maxRequestBurst == 0 {
		config.maxRequestBurst = int(math.Ceil(config.maxRequestsPerSecond))
	}
	if err := parseAuthenticationConfig(&config, getenv); err != nil {
		return serveConfig{}, err
	}
	return config, nil
}

func runServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	config, err := parseServeFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: config.logLevel}))

	logger.Info("kmsmeta: starting", slog.String("listen", config.listen), slog.String("region", config.region),
		slog.String("auth", config.auth), slog.String("data_dir", config.dataDir),
		slog.Bool("database_url_set", config.databaseURL != ""), slog.Bool("tls", config.tlsCertFile != ""))
	tlsConfig, err := loadTLSConfig(config.tlsCertFile, config.tlsKeyFile)
	if err != nil {
		return err
	}
	if config.auth == "none" {
		logger.Warn("kmsmeta: requests are not authenticated; every request acts as the configured account",
			slog.String("account", config.account))
	}

	databaseURL := config.databaseURL
	if databaseURL == "" {
		server, err := startDevelopmentDatabase(ctx, logger, config.dataDir)
		if err != nil {
			return err
		}
		defer func() {
			if err := server.Stop(context.WithoutCancel(ctx)); err != nil {
				logger.Error("database: stop development PostgreSQL", slog.Any("error", err))
			}
		}()
		databaseURL = server.URL()
	}

	pool, err := openPool(ctx, logger, databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	store := repository.NewStore(pool)
	svc := service.New(store, service.WithLimits(service.Limits{
		MaxKeysPerAccount:    config.maxKeysPerAccount,
		MaxAliasesPerAccount: config.maxAliasesPerAccount,
	}))

	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		svc.RunDeletionWorker(workerCtx, config.region, config.deletionInterval, logger)
	}()
	defer func() {
		stopWorker()
		<-workerDone
	}()

	authenticator, stopAuthentication, err := setUpAuthentication(ctx, logger, config, store)
	if err != nil {
		return err
	}
	defer stopAuthentication()

	var throttle *httpapi.AccountThrottle
	if config.maxRequestsPerSecond > 0 {
		throttle = httpapi.NewAccountThrottle(config.maxRequestsPerSecond, config.maxRequestBurst)
		logger.Info("HTTP API: throttling each account",
			slog.Float64("requests_per_second", config.maxRequestsPerSecond), slog.Int("burst", config.maxRequestBurst))
	}

	handler := httpapi.New(httpapi.Config{
		Throttle:      throttle,
		Service:       svc,
		RegionID:      config.region,
		Authenticator: authenticator,
		Ready:         store.Ping,
		Logger:        logger,
	})
	return serveHTTP(ctx, logger, config.listen, handler, tlsConfig)
}

func startDevelopmentDatabase(ctx context.Context, logger *slog.Logger, dataDir string) (*devpg.Server, error) {
	logger.Info("database: no --database-url given; starting a private PostgreSQL (development default)",
		slog.String("data_dir", dataDir))

	server, err := devpg.Start(ctx, devpg.Options{DataDir: dataDir, Durable: true, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("start development PostgreSQL in %s: %w", dataDir, err)
	}
	return server, nil
}

// openPool migrates the database, then opens the pool that serves requests.
func openPool(ctx context.Context, logger *slog.Logger, databaseURL string) (*pgxpool.Pool, error) {
	poolConfig, err := newPoolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	logPoolConfig(logger, poolConfig)

	if err := migrateUp(ctx, logger, poolConfig); err != nil {
		return nil, err
	}

	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	return pool, nil
}

// serveHTTP serves handler on address until ctx is done, then lets
// in-flight requests finish for up to shutdownTimeout. A non-nil tlsConfig
// serves HTTPS.
func serveHTTP(ctx context.Context, logger *slog.Logger, address string, handler http.Handler, tlsConfig *tls.Config) error {
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", address, err)
	}

	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}

	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- server.ServeTLS(listener, "", "")
			return
		}
		served <- server.Serve(listener)
	}()
	logger.Info("HTTP server: listening", slog.String("address", listener.Addr().String()), slog.Bool("tls", tlsConfig != nil))

	select {
	case err := <-served:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}

	logger.Info("HTTP server: shutting down", slog.Duration("timeout", shutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	logger.Info("HTTP server: stopped")
	return nil
}
