package devpg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StartOrAttach returns the server that another process runs on the
// cluster in opts.DataDir, such as a running "kmsmeta serve", or starts one
// as Start does when none runs. Start alone would stop the running server.
// Stop on an attached server leaves it running, because it belongs to the
// process that started it.
//
// In the reverse case, a serve that starts while a command runs its own
// server here fails at once, because the command holds the data directory's
// lock. So it never stops that server.
func StartOrAttach(ctx context.Context, opts Options) (*Server, error) {
	server, err := attach(ctx, opts)
	if err != nil || server != nil {
		return server, err
	}
	return Start(ctx, opts)
}

// attach returns the running server of opts.DataDir, or nil when none runs.
func attach(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, nil // Start reports the missing directory.
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	logger := opts.Logger

	owner, err := currentAccount()
	if err != nil {
		return nil, err
	}
	c := newCluster("", opts.DataDir, owner, logger)

	// postmaster.pid holds the PID on its first line and the port on its
	// fourth (PostgreSQL's LOCK_FILE_LINE_PORT).
	content, err := os.ReadFile(filepath.Join(c.pgdata, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read server lock file in %s: %w", c.pgdata, err)
	}
	lines := strings.Split(string(content), "\n")
	if len(lines) < 4 {
		return nil, nil // A server that is still starting; Start waits for it.
	}
	pid, pidErr := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, portErr := strconv.Atoi(strings.TrimSpace(lines[3]))
	if pidErr != nil || portErr != nil || pid <= 0 || !c.isPostmaster(pid) {
		return nil, nil
	}

	password, err := c.loadPassword(true)
	if err != nil {
		return nil, err
	}
	server := &Server{cluster: c, port: port, password: password, database: opts.Database, attached: true}
	if err := server.ensureDatabase(ctx); err != nil {
		return nil, fmt.Errorf("attach to the PostgreSQL server that runs on %s: %w", c.pgdata, err)
	}
	logger.Info("attached to running PostgreSQL", "pid", pid, "port", port, "data_dir", c.pgdata)
	return server, nil
}
