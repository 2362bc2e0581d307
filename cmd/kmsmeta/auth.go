package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"kmsmeta/httpapi"
	"kmsmeta/internal/masterkey"
	"kmsmeta/repository"
	"kmsmeta/service"
)

// Variables that have no flag, because their values are secrets and a
// command line is visible to every user of the machine.
const (
	masterKeyVariable        = "KMSMETA_MASTER_KEY"
	bootstrapAccountVariable = "KMSMETA_BOOTSTRAP_ACCOUNT"
	bootstrapKeyIDVariable   = "KMSMETA_BOOTSTRAP_ACCESS_KEY_ID"
	bootstrapSecretVariable  = "KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET"
)

// environmentOnlyVariables lists the variables above.
var environmentOnlyVariables = []string{
	masterKeyVariable, bootstrapAccountVariable, bootstrapKeyIDVariable, bootstrapSecretVariable,
}

// masterKeyFileName is the master key file that the development default
// creates in --data-dir.
const masterKeyFileName = "master.key"

// noncePurgeInterval is how often serve deletes expired signature nonces.
const noncePurgeInterval = time.Minute

// masterKeySource is the configured origin of the master key.
type masterKeySource struct {
	encoded string // KMSMETA_MASTER_KEY
	file    string // --master-key-file
	devFile string // the development default's file, used when both are empty
}

// newMasterKeySource checks that at most one source is given. developmentDataDir is
// --data-dir when the development default database is in use, else "".
func newMasterKeySource(getenv func(string) string, keyFile, developmentDataDir string) (masterKeySource, error) {
	source := masterKeySource{encoded: getenv(masterKeyVariable), file: keyFile}
	if source.encoded != "" && source.file != "" {
		return masterKeySource{}, fmt.Errorf("both %s and --master-key-file are set: set only one", masterKeyVariable)
	}
	if developmentDataDir != "" {
		source.devFile = filepath.Join(developmentDataDir, masterKeyFileName)
	}
	return source, nil
}

func (s masterKeySource) configured() bool {
	return s.encoded != "" || s.file != "" || s.devFile != ""
}

// load reads the master key, creating the development default's file with
// a new random key on first use. It returns nil when no source is
// configured.
func (s masterKeySource) load(logger *slog.Logger) (*masterkey.Key, error) {
	switch {
	case s.encoded != "":
		key, err := masterkey.Parse(s.encoded)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", masterKeyVariable, err)
		}
		return key, nil
	case s.file != "":
		return masterkey.LoadFile(s.file)
	case s.devFile != "":
		key, created, err := masterkey.LoadOrCreateFile(s.devFile)
		if err != nil {
			return nil, err
		}
		if created {
			logger.Info("master key: created a new master key file (development default); back it up with the data directory",
				slog.String("path", s.devFile))
		}
		return key, nil
	default:
		return nil, nil
	}
}

// errNoMasterKey explains how to provide a master key.
var errNoMasterKey = fmt.Errorf("missing master key: set %s to the base64 of 32 random bytes "+
	"(for example the output of `openssl rand -base64 32`) or pass --master-key-file", masterKeyVariable)

// bootstrapKey is the access key that serve creates at start when the
// KMSMETA_BOOTSTRAP_ variables name one.
type bootstrapKey struct {
	account, accessKeyID, secret string
}

// readBootstrapKey reads the KMSMETA_BOOTSTRAP_ variables: all three or
// none. It returns nil when none is set.
func readBootstrapKey(getenv func(string) string) (*bootstrapKey, error) {
	key := bootstrapKey{
		account:     getenv(bootstrapAccountVariable),
		accessKeyID: getenv(bootstrapKeyIDVariable),
		secret:      getenv(bootstrapSecretVariable),
	}
	if key == (bootstrapKey{}) {
		return nil, nil
	}

	var missing []error
	for name, value := range map[string]string{
		bootstrapAccountVariable: key.account, bootstrapKeyIDVariable: key.accessKeyID, bootstrapSecretVariable: key.secret,
	} {
		if value == "" {
			missing = append(missing, fmt.Errorf("%s is not set", name))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("incomplete access key bootstrap: set all of %s, %s and %s, or none: %w",
			bootstrapAccountVariable, bootstrapKeyIDVariable, bootstrapSecretVariable, errors.Join(missing...))
	}
	return &key, nil
}

// loadTLSConfig loads the certificate and key of --tls-cert-file and
// --tls-key-file, or returns nil when neither is set.
func loadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	certificate, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{certificate}, MinVersion: tls.VersionTLS12}, nil
}

// setUpAuthentication returns the authenticator that --auth selects. For
// signature authentication it checks the master key against the database,
// creates the bootstrap access key, and starts the purge of expired nonces,
// which the returned stop function ends.
func setUpAuthentication(ctx context.Context, logger *slog.Logger, config serveConfig, store *repository.Store) (httpapi.Authenticator, func(), error) {
	noop := func() {}

	var keys *service.AccessKeys
	if config.auth == "signature" || config.bootstrap != nil {
		master, err := config.masterKey.load(logger)
		if err != nil {
			return nil, noop, err
		}
		if master == nil {
			return nil, noop, errNoMasterKey
		}
		keys = service.NewAccessKeys(store, master, service.WithAccessKeyCacheTTL(config.accessKeyCacheTTL))
		if err := keys.CheckMasterKey(ctx); err != nil {
			return nil, noop, err
		}
		logger.Info("master key: matches the database")
	}

	if config.bootstrap != nil {
		if err := bootstrapAccessKey(ctx, logger, keys, *config.bootstrap); err != nil {
			return nil, noop, err
		}
	}

	if config.auth == "none" {
		return httpapi.NoAuthentication{AccountID: config.account, RegionID: config.region}, noop, nil
	}

	stop := startNoncePurge(ctx, logger, keys)
	logger.Info("authentication: requests must be signed (V1 HMAC-SHA1 or V3 ACS3-HMAC-SHA256)",
		slog.Duration("max_clock_skew", httpapi.MaxClockSkew), slog.Duration("access_key_cache_ttl", config.accessKeyCacheTTL))
	authenticator := httpapi.SignatureAuthentication{AccessKeys: keys, RegionID: config.region}
	return authenticator, stop, nil
}

// bootstrapAccessKey creates the bootstrap access key unless it exists.
func bootstrapAccessKey(ctx context.Context, logger *slog.Logger, keys *service.AccessKeys, key bootstrapKey) error {
	created, err := keys.Import(ctx, key.account, key.accessKeyID, key.secret)
	if err != nil {
		return fmt.Errorf("bootstrap access key from %s: %w", bootstrapKeyIDVariable, err)
	}
	if created {
		logger.Info("authentication: created the bootstrap access key",
			slog.String("access_key_id", key.accessKeyID), slog.String("account", key.account))
	} else {
		logger.Info("authentication: the bootstrap access key exists; it was left as it is",
			slog.String("access_key_id", key.accessKeyID), slog.String("account", key.account))
	}
	return nil
}

// startNoncePurge deletes expired signature nonces every
// noncePurgeInterval until ctx ends or the returned function is called,
// which waits for a running purge to finish.
func startNoncePurge(ctx context.Context, logger *slog.Logger, keys *service.AccessKeys) func() {
	ctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	done.Go(func() {
		ticker := time.NewTicker(noncePurgeInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}

			deleted, err := keys.PurgeNonces(ctx)
			if err != nil && ctx.Err() == nil {
				logger.Warn("authentication: purge of expired signature nonces failed; it runs again in a minute", slog.Any("error", err))
				continue
			}
			logger.Debug("authentication: purged expired signature nonces", slog.Int64("deleted", deleted))
		}
	})
	return func() {
		cancel()
		done.Wait()
	}
}

// parseAuthenticationConfig checks the authentication flags and reads the
// master key source and bootstrap key from the environment, so that a
// missing master key fails before any database starts.
func parseAuthenticationConfig(config *serveConfig, getenv func(string) string) error {
	if (config.tlsCertFile == "") != (config.tlsKeyFile == "") {
		return errors.New("--tls-cert-file and --tls-key-file must be given together")
	}
	if config.accessKeyCacheTTL < 0 || config.accessKeyCacheTTL > maxAccessKeyCacheTTL {
		return fmt.Errorf("invalid --access-key-cache-ttl %s: use a duration from 0s to %s", config.accessKeyCacheTTL, maxAccessKeyCacheTTL)
	}

	bootstrap, err := readBootstrapKey(getenv)
	if err != nil {
		return err
	}
	config.bootstrap = bootstrap

	developmentDataDir := ""
	if config.databaseURL == "" {
		developmentDataDir = config.dataDir
	}
	config.masterKey, err = newMasterKeySource(getenv, config.masterKeyFile, developmentDataDir)
	if err != nil {
		return err
	}
	if (config.auth == "signature" || config.bootstrap != nil) && !config.masterKey.configured() {
		return errNoMasterKey
	}
	return nil
}
