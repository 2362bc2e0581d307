package pgtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/peterldowns/pgtestdb"
	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"kmsmeta/internal/devpg"
)

const (
	// databaseURLVariable names the environment variable that points the
	// tests at an existing server.
	databaseURLVariable = "TEST_DATABASE_URL"

	containerImage = "postgres:16-alpine"

	// dockerProbeTimeout bounds the check for a Docker engine, so that a
	// machine without one falls through to the private server quickly.
	dockerProbeTimeout = 5 * time.Second

	// startTimeout bounds starting a container or a private server,
	// including a first pull of containerImage.
	startTimeout = 5 * time.Minute

	// stopTimeout bounds stopping the server in Main.
	stopTimeout = time.Minute
)

// howToProvideServer is the advice that ends every "no server" failure.
const howToProvideServer = "Provide a PostgreSQL server in one of these ways: " +
	"set " + databaseURLVariable + " to postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable " +
	"for a server where USER may create roles and databases, " +
	"run a Docker engine that testcontainers can reach, " +
	"or install the PostgreSQL server binaries (apt-get install postgresql)"

// server is the PostgreSQL server that the test databases of this process are
// created on.
type server struct {
	config      pgtestdb.Config                 // connects as a user that may create roles and databases
	description string                          // origin of the server, for test logs
	stop        func(ctx context.Context) error // nil when this process started nothing
}

var (
	serverOnce sync.Once
	shared     *server
	sharedErr  error

	// mainRunning is set by Main. A container or private server is started
	// only under Main, because nothing else would stop it.
	mainRunning atomic.Bool
)

// requireServer returns the process's server, finding or starting it on the
// first call, and fails the test when there is none.
func requireServer(t testing.TB) *server {
	t.Helper()
	serverOnce.Do(func() {
		shared, sharedErr = findServer()
		if sharedErr == nil {
			t.Logf("pgtest: test databases are created on %s", shared.description)
		}
	})
	if sharedErr != nil {
		t.Fatalf("pgtest: no PostgreSQL server for tests: %v\n%s", sharedErr, howToProvideServer)
	}
	return shared
}

// findServer returns the first server available, trying TEST_DATABASE_URL,
// then a Docker container, then a private server from the local binaries.
func findServer() (*server, error) {
	if rawURL := os.Getenv(databaseURLVariable); rawURL != "" {
		config, err := configFromURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("invalid %s: %w", databaseURLVariable, err)
		}
		return &server{config: config, description: "the server in " + databaseURLVariable}, nil
	}

	if !mainRunning.Load() {
		return nil, errors.New(databaseURLVariable + " is not set, and pgtest starts a server only when the package's " +
			"TestMain runs pgtest.Main, which stops it. Add `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`")
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	var containerErr error
	dockerErr := probeDocker(ctx)
	if dockerErr == nil {
		srv, err := startContainer(ctx)
		if err == nil {
			return srv, nil
		}
		containerErr = err
	}

	srv, privateErr := startPrivateServer(ctx)
	if privateErr == nil {
		return srv, nil
	}

	if containerErr != nil {
		return nil, fmt.Errorf("%s is not set, the %s container did not start: %w, and the private server did not start: %w",
			databaseURLVariable, containerImage, containerErr, privateErr)
	}
	return nil, fmt.Errorf("%s is not set, no Docker engine responded (%w), and the private server did not start: %w",
		databaseURLVariable, dockerErr, privateErr)
}

// probeDocker returns nil when a Docker engine responds within
// dockerProbeTimeout.
func probeDocker(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dockerProbeTimeout)
	defer cancel()

	// NewDockerProvider takes no context, so it runs in its own goroutine to
	// keep a hung engine from blocking past the timeout.
	result := make(chan error, 1)
	go func() {
		provider, err := testcontainers.NewDockerProvider()
		if err != nil {
			result <- err
			return
		}
		result <- provider.Health(ctx) // Health also closes the provider.
	}()

	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return fmt.Errorf("Docker engine did not respond within %s: %w", dockerProbeTimeout, ctx.Err())
	}
}

// startContainer runs containerImage with testcontainers.
func startContainer(ctx context.Context) (*server, error) {
	container, err := tcpostgres.Run(ctx, containerImage,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword(rand.Text()),
		tcpostgres.BasicWaitStrategies(),
		// The module already turns fsync off. Tests discard their data, so
		// waiting for the WAL flush on commit buys nothing either.
		testcontainers.WithCmdArgs("-c", "synchronous_commit=off"),
	)
	if err != nil {
		return nil, errors.Join(err, testcontainers.TerminateContainer(container))
	}

	connURL, err := container.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read connection string of the container: %w", err),
			testcontainers.TerminateContainer(container))
	}
	config, err := configFromURL(connURL)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("parse connection string of the container: %w", err),
			testcontainers.TerminateContainer(container))
	}

	return &server{
		config:      config,
		description: "a " + containerImage + " container",
		stop: func(context.Context) error {
			return testcontainers.TerminateContainer(container)
		},
	}, nil
}

// startPrivateServer starts a devpg server in a new temporary directory,
// which stop removes again.
func startPrivateServer(ctx context.Context) (*server, error) {
	if _, err := devpg.FindBinDir(); err != nil {
		return nil, err
	}

	dataDir, err := os.MkdirTemp("", "kmsmeta-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("create data directory for the private server: %w", err)
	}
	// MkdirTemp creates the directory with mode 0700, which the postgres
	// user that a root process runs the server as could not enter.
	if err := os.Chmod(dataDir, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("make data directory %s searchable: %w", dataDir, err), os.RemoveAll(dataDir))
	}

	pg, err := devpg.Start(ctx, devpg.Options{DataDir: dataDir, Database: "postgres"})
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dataDir))
	}

	return &server{
		config: pgtestdb.Config{
			DriverName: "pgx",
			Host:       pg.Host(),
			Port:       strconv.Itoa(pg.Port()),
			User:       pg.User(),
			Password:   pg.Password(),
			Database:   "postgres",
			Options:    "sslmode=disable",
		},
		description: "a private server in " + dataDir,
		stop: func(ctx context.Context) error {
			if err := pg.Stop(ctx); err != nil {
				return fmt.Errorf("stop private server in %s: %w", dataDir, err)
			}
			if err := os.RemoveAll(dataDir); err != nil {
				return fmt.Errorf("remove private server data directory: %w", err)
			}
			return nil
		},
	}, nil
}

// stopServer stops the server that findServer started, if any. It runs after
// every test has finished.
func stopServer() error {
	// An empty Do waits for a findServer still running and makes its
	// results visible here, and it keeps later calls from starting a server.
	serverOnce.Do(func() {})
	if shared == nil || shared.stop == nil {
		return nil
	}

	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return shared.stop(ctx)
}

// configFromURL converts a connection string, in URL or keyword/value form,
// to the pgtestdb.Config of the same server.
func configFromURL(connString string) (pgtestdb.Config, error) {
	parsed, err := pgconn.ParseConfig(connString)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	if strings.HasPrefix(parsed.Host, "/") {
		return pgtestdb.Config{}, fmt.Errorf("host %s is a Unix socket directory, but pgtestdb connects over TCP. "+
			"Use a host name or IP address", parsed.Host)
	}

	// pgtestdb.Config.URL pastes the fields in without escaping, so escape
	// them here, and bracket IPv6 addresses.
	userInfo := url.UserPassword(parsed.User, parsed.Password).String()
	user, password, _ := strings.Cut(userInfo, ":")
	host := parsed.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}

	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       host,
		Port:       strconv.Itoa(int(parsed.Port)),
		User:       user,
		Password:   password,
		Database:   url.PathEscape(parsed.Database),
		Options:    connectionOptions(connString, parsed),
	}, nil
}

// connectionOptions returns the query string for the URLs that pgtestdb
// builds. A URL keeps its own query. The keyword/value form keeps only
// whether TLS is off, because pgconn does not return the other keywords.
//
// NOTE: a keyword/value string with sslmode=require or verify-full becomes
// pgx's default sslmode=prefer. Use the URL form to keep such a mode.
func connectionOptions(connString string, parsed *pgconn.Config) string {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		if parsedURL, err := url.Parse(connString); err == nil {
			return parsedURL.RawQuery
		}
	}
	if parsed.TLSConfig == nil {
		return "sslmode=disable"
	}
	return ""
}
