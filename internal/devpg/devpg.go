// Package devpg runs a private PostgreSQL server from the locally installed
// server binaries, for development and for tests that have no other server.
//
// The server listens on 127.0.0.1 only, on a port picked at each start, and
// has no Unix socket. The cluster, its superuser password file and the server
// log live in Options.DataDir, so data survives restarts. When the process
// runs as root, the server runs as the postgres user, because PostgreSQL
// does not run as root.
package devpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
)

const (
	// host is the only address the server listens on.
	host = "127.0.0.1"

	defaultDatabase = "kmsmeta"

	// adminDatabase is the database that initdb creates for administration.
	adminDatabase = "postgres"
)

// Options configures Start.
type Options struct {
	// DataDir is the directory that contains the cluster (in DataDir/pgdata),
	// the superuser password file and the server log. Start creates it if
	// missing. When the process runs as root, Start makes the postgres user
	// its owner, and every parent directory must let that user enter.
	DataDir string

	// Database is the database that Start creates if it does not exist and
	// that URL names. Empty means "kmsmeta".
	Database string

	// Durable keeps fsync and synchronous_commit on, so committed data
	// survives a crash of the machine. Tests leave it false for speed and
	// accept that such a crash can lose or corrupt recent commits.
	Durable bool

	// Logger receives start, stop and recovery messages. Nil discards them.
	Logger *slog.Logger
}

// Server is a PostgreSQL server started by Start. Its methods are safe for
// concurrent use.
type Server struct {
	cluster  cluster
	port     int
	password string
	database string

	// lock holds the data directory's exclusive lock until Stop. An
	// attached server has none.
	lock *os.File

	// attached marks a server that another process started; Stop leaves it
	// running.
	attached bool

	mu      sync.Mutex
	stopped bool
}

// withDefaults fills in the default database and logger and makes DataDir
// absolute.
func (opts Options) withDefaults() (Options, error) {
	if opts.Database == "" {
		opts.Database = defaultDatabase
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return Options{}, fmt.Errorf("resolve data directory %q: %w", opts.DataDir, err)
	}
	opts.DataDir = dataDir
	return opts, nil
}

// Start starts a PostgreSQL server on the cluster in opts.DataDir, creating
// the cluster and opts.Database first if they do not exist. A server that an
// earlier process left running on the same cluster is stopped first, but a
// directory that a live process uses is rejected. The caller must call Stop,
// because the server outlives this process otherwise.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("devpg: Options.DataDir is missing. Set it to the directory that should contain the cluster")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	database, logger, dataDir := opts.Database, opts.Logger, opts.DataDir

	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := currentAccount()
	if err != nil {
		return nil, err
	}
	c := newCluster(binDir, dataDir, owner, logger)

	if err := c.prepareDataDir(); err != nil {
		return nil, err
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	server, err := startLocked(ctx, c, opts.Durable, database)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	server.lock = lock
	logger.Info("started PostgreSQL", "host", host, "port", server.port, "data_dir", c.pgdata,
		"log_file", c.logPath, "durable", opts.Durable, "run_as", owner.name)

	if err := server.ensureDatabase(ctx); err != nil {
		if stopErr := server.Stop(context.WithoutCancel(ctx)); stopErr != nil {
			logger.Error("stopping PostgreSQL after a failed start failed", "data_dir", c.pgdata, "error", stopErr)
		}
		return nil, err
	}
	return server, nil
}

// startLocked initializes or recovers the cluster and starts it. The caller
// holds the data directory's lock, so a server still running there was left
// by a process that has exited.
func startLocked(ctx context.Context, c cluster, durable bool, database string) (*Server, error) {
	clusterExists, err := c.exists()
	if err != nil {
		return nil, err
	}
	password, err := c.loadPassword(clusterExists)
	if err != nil {
		return nil, err
	}

	if clusterExists {
		err = c.stopLeftover(ctx)
	} else {
		err = c.initialize(ctx)
	}
	if err != nil {
		return nil, err
	}

	port, err := c.start(ctx, durable)
	if err != nil {
		return nil, err
	}
	return &Server{cluster: c, port: port, password: password, database: database}, nil
}

// ensureDatabase creates the server's database unless it exists.
func (s *Server) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.AdminURL())
	if err != nil {
		return fmt.Errorf("connect to database %q on %s as %q: %w", adminDatabase, s.address(), superuser, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", s.database).Scan(&exists)
	if err != nil {
		return fmt.Errorf("check whether database %q exists on %s: %w", s.database, s.address(), err)
	}
	if exists {
		return nil
	}

	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{s.database}.Sanitize()); err != nil {
		return fmt.Errorf("create database %q on %s: %w", s.database, s.address(), err)
	}
	s.cluster.logger.Info("created database", "database", s.database, "port", s.port)
	return nil
}

// URL returns the connection URL of the server's database, with the
// superuser's credentials and TLS turned off.
func (s *Server) URL() string {
	return s.urlFor(s.database)
}

// AdminURL returns the connection URL of the "postgres" maintenance database,
// with the superuser's credentials and TLS turned off.
func (s *Server) AdminURL() string {
	return s.urlFor(adminDatabase)
}

func (s *Server) urlFor(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, s.password),
		Host:     s.address(),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func (s *Server) address() string {
	return net.JoinHostPort(host, strconv.Itoa(s.port))
}

// Host returns the address the server listens on, always "127.0.0.1".
func (s *Server) Host() string {
	return host
}

// Port returns the TCP port the server listens on, which changes at each start.
func (s *Server) Port() int {
	return s.port
}

// User returns the superuser role name.
func (s *Server) User() string {
	return superuser
}

// Password returns the superuser password, which is stored in the data
// directory and stays the same across starts.
func (s *Server) Password() string {
	return s.password
}

// Stop stops the server with pg_ctl in fast mode and waits for it to exit.
// Calling it again after a successful stop does nothing. A server that
// something else already stopped counts as stopped.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.stopped || s.attached {
		return nil
	}

	if err := s.cluster.stop(ctx); err != nil {
		running, statusErr := s.cluster.running(ctx)
		if statusErr != nil || running {
			return err
		}
	}

	s.stopped = true
	if s.lock != nil {
		_ = s.lock.Close()
	}
	s.cluster.logger.Info("stopped PostgreSQL", "port", s.port, "data_dir", s.cluster.pgdata)
	return nil
}

// Exists reports whether dataDir holds a cluster that an earlier Start
// created, so that commands can refuse to create a registry by accident.
func Exists(dataDir string) (bool, error) {
	c := cluster{pgdata: filepath.Join(dataDir, clusterDirName)}
	return c.exists()
}
