package devpg

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const (
	// superuser is the role that initdb creates and Server.URL connects as.
	superuser = "kmsmeta"

	clusterDirName   = "pgdata"
	passwordFileName = "superuser-password"
	logFileName      = "postgresql.log"

	// pgctlTimeout bounds how long pg_ctl waits for start and stop, in
	// seconds. Crash recovery after an unclean stop can take a while.
	pgctlTimeout = "60"

	// portAttempts is how often start picks a new port when another process
	// took the previous one between freePort and postgres binding it.
	portAttempts = 3

	// logTailLines is how many lines of the server log a start error quotes.
	logTailLines = 30
)

// cluster is a PostgreSQL data directory with the programs and the account
// that manage it.
type cluster struct {
	binDir       string
	dataDir      string // Options.DataDir as an absolute path
	pgdata       string // the cluster itself, inside dataDir
	passwordPath string
	logPath      string
	account      account
	logger       *slog.Logger
}

func newCluster(binDir, dataDir string, owner account, logger *slog.Logger) cluster {
	return cluster{
		binDir:       binDir,
		dataDir:      dataDir,
		pgdata:       filepath.Join(dataDir, clusterDirName),
		passwordPath: filepath.Join(dataDir, passwordFileName),
		logPath:      filepath.Join(dataDir, logFileName),
		account:      owner,
		logger:       logger,
	}
}

// prepareDataDir creates the data directory if needed and hands it to the
// account that runs PostgreSQL.
func (c *cluster) prepareDataDir() error {
	// Parents are created searchable so that a root process can create
	// them for the postgres user.
	if err := os.MkdirAll(filepath.Dir(c.dataDir), 0o755); err != nil {
		return fmt.Errorf("create parent of data directory %s: %w", c.dataDir, err)
	}
	if err := c.account.checkReachable(c.dataDir); err != nil {
		return err
	}

	if err := os.Mkdir(c.dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create data directory %s: %w", c.dataDir, err)
	}

	info, err := os.Stat(c.dataDir)
	if err != nil {
		return fmt.Errorf("inspect data directory %s: %w", c.dataDir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("data directory %s is not a directory. Point DataDir at a directory", c.dataDir)
	}

	return c.account.claim(c.dataDir)
}

// exists reports whether initdb has already created the cluster.
func (c *cluster) exists() (bool, error) {
	versionFile := filepath.Join(c.pgdata, "PG_VERSION")
	_, err := os.Stat(versionFile)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("check for cluster file %s: %w", versionFile, err)
	}
}

// loadPassword reads the superuser password from its file, or creates a
// random one when the cluster does not exist yet.
func (c *cluster) loadPassword(clusterExists bool) (string, error) {
	content, err := os.ReadFile(c.passwordPath)
	switch {
	case err == nil:
		password := strings.TrimSpace(string(content))
		if password == "" {
			return "", fmt.Errorf("superuser password file %s is empty. Restore it, or remove %s to create a new, empty cluster",
				c.passwordPath, c.dataDir)
		}
		return password, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read superuser password file %s: %w", c.passwordPath, err)
	case clusterExists:
		return "", fmt.Errorf("cluster %s exists but its superuser password file %s is missing, so the password is unknown. "+
			"Restore the file, or remove %s to create a new, empty cluster", c.pgdata, c.passwordPath, c.dataDir)
	}

	// rand.Text has 128 bits of entropy in URL-safe characters, so the
	// password needs no escaping in connection URLs.
	password := rand.Text()
	file, err := os.OpenFile(c.passwordPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create superuser password file %s: %w", c.passwordPath, err)
	}
	_, writeErr := file.WriteString(password + "\n")
	closeErr := file.Close()
	if err := errors.Join(writeErr, closeErr); err != nil {
		return "", fmt.Errorf("write superuser password file %s: %w", c.passwordPath, err)
	}

	// initdb reads the file as the account, so the account must own it.
	if err := c.account.claim(c.passwordPath); err != nil {
		return "", err
	}
	return password, nil
}

// initialize runs initdb to create the cluster with a password-protected
// superuser.
func (c *cluster) initialize(ctx context.Context) error {
	output, err := c.account.run(ctx, c.dataDir, c.program("initdb"),
		"--pgdata="+c.pgdata,
		"--username="+superuser,
		"--pwfile="+c.passwordPath,
		"--auth=scram-sha-256",
		"--encoding=UTF8",
		"--locale=C",
	)
	if err != nil {
		return fmt.Errorf("initialize cluster %s with initdb: %w\ninitdb output:\n%s", c.pgdata, err, strings.TrimSpace(output))
	}

	c.logger.Info("initialized PostgreSQL cluster", "data_dir", c.pgdata, "superuser", superuser)
	return nil
}

// stopLeftover stops a server that an earlier process started on this
// cluster and never stopped, and removes a postmaster.pid that no server of
// this cluster holds.
func (c *cluster) stopLeftover(ctx context.Context) error {
	pidPath := filepath.Join(c.pgdata, "postmaster.pid")
	content, err := os.ReadFile(pidPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read server lock file %s: %w", pidPath, err)
	}

	firstLine, _, _ := strings.Cut(string(content), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(firstLine))
	if err == nil && pid > 0 && c.isPostmaster(pid) {
		c.logger.Warn("stopping PostgreSQL server left running by an earlier process", "pid", pid, "data_dir", c.pgdata)
		return c.stop(ctx)
	}

	// postgres ignores a lock file whose PID is dead, but rejects one whose
	// PID now belongs to another process, which happens after a reboot or in
	// a new container. Removing the file covers both cases.
	c.logger.Info("removing stale server lock file", "path", pidPath, "pid", firstLine)
	if err := os.Remove(pidPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale server lock file %s: %w", pidPath, err)
	}
	return nil
}

// isPostmaster reports whether process pid is a postgres server working in
// this cluster. pg_ctl status only checks that the PID is alive, so trusting
// it could make stop signal an unrelated process that took the PID.
func (c *cluster) isPostmaster(pid int) bool {
	if _, err := os.Stat("/proc/self"); err != nil {
		// Without /proc, a live PID is the best evidence there is.
		err := syscall.Kill(pid, 0)
		return err == nil || errors.Is(err, syscall.EPERM)
	}

	// A reading that fails means the process is gone or belongs to a user
	// that is not the account, so either way it is not this cluster's server.
	executable, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || filepath.Base(executable) != "postgres" {
		return false
	}
	workingDir, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return false
	}

	// The postmaster changes into its data directory at startup.
	pgdata, err := filepath.EvalSymlinks(c.pgdata)
	if err != nil {
		return false
	}
	return workingDir == pgdata
}

// start starts postgres with pg_ctl on a free port and returns the port.
func (c *cluster) start(ctx context.Context, durable bool) (int, error) {
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return 0, err
		}

		logOffset := fileSize(c.logPath)
		output, err := c.pgctl(ctx, "start",
			"--wait",
			"--timeout="+pgctlTimeout,
			"--log="+c.logPath,
			"--options="+serverOptions(port, durable),
		)
		if err == nil {
			return port, nil
		}

		logTail := readLogTail(c.logPath, logOffset)
		// The clean-up must run even when ctx ended the start.
		c.stopAfterFailedStart(context.WithoutCancel(ctx))
		if attempt < portAttempts && strings.Contains(logTail, "Address already in use") {
			c.logger.Warn("another process took the port before PostgreSQL bound it, retrying with a new port",
				"port", port, "attempt", attempt)
			continue
		}

		return 0, fmt.Errorf("start PostgreSQL on 127.0.0.1:%d with pg_ctl (data directory %s): %w\n"+
			"pg_ctl output:\n%s\nlast lines of %s:\n%s",
			port, c.pgdata, err, strings.TrimSpace(output), c.logPath, logTail)
	}
}

// stopAfterFailedStart stops a postgres that pg_ctl gave up waiting for, so
// that it does not keep running unseen. Errors are logged because the start
// error that the caller returns matters more.
func (c *cluster) stopAfterFailedStart(ctx context.Context) {
	running, err := c.running(ctx)
	if err != nil || !running {
		return
	}
	if err := c.stop(ctx); err != nil {
		c.logger.Error("stopping PostgreSQL after a failed start failed", "data_dir", c.pgdata, "error", err)
	}
}

// serverOptions returns the postgres command-line settings for one start.
// pg_ctl passes the string through /bin/sh, so shell quoting applies.
func serverOptions(port int, durable bool) string {
	settings := []string{
		"-c listen_addresses=127.0.0.1",
		"-c port=" + strconv.Itoa(port),
		// Without a Unix socket the server needs no writable
		// /var/run/postgresql, and only TCP clients with a password get in.
		// The shell turns the empty quotes into an empty value.
		"-c unix_socket_directories=''",
	}
	if !durable {
		// Tests throw the cluster away, so losing recent commits in a
		// crash costs nothing and skipping fsync saves time.
		settings = append(settings, "-c fsync=off", "-c synchronous_commit=off")
	}
	return strings.Join(settings, " ")
}

// stop stops the server with pg_ctl in fast mode, which rolls back open
// transactions and disconnects clients.
func (c *cluster) stop(ctx context.Context) error {
	output, err := c.pgctl(ctx, "stop", "--mode=fast", "--wait", "--timeout="+pgctlTimeout)
	if err != nil {
		return fmt.Errorf("stop PostgreSQL with pg_ctl (data directory %s): %w\npg_ctl output:\n%s",
			c.pgdata, err, strings.TrimSpace(output))
	}
	return nil
}

// running reports whether pg_ctl status finds a live server for the cluster.
func (c *cluster) running(ctx context.Context) (bool, error) {
	output, err := c.pgctl(ctx, "status")
	if err == nil {
		return true, nil
	}

	// pg_ctl status exits with 3 when no server runs.
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		return false, nil
	}
	return false, fmt.Errorf("check server status with pg_ctl (data directory %s): %w\npg_ctl output:\n%s",
		c.pgdata, err, strings.TrimSpace(output))
}

func (c *cluster) pgctl(ctx context.Context, args ...string) (string, error) {
	args = append(args, "--pgdata="+c.pgdata)
	return c.account.run(ctx, c.dataDir, c.program("pg_ctl"), args...)
}

func (c *cluster) program(name string) string {
	return filepath.Join(c.binDir, name)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before postgres binds it, so start retries.
func freePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free TCP port on 127.0.0.1: %w", err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	if err := listener.Close(); err != nil {
		return 0, fmt.Errorf("release probe listener on 127.0.0.1:%d: %w", port, err)
	}
	return port, nil
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// readLogTail returns the last logTailLines lines that the server wrote to
// its log after offset, for quoting in errors.
func readLogTail(path string, offset int64) string {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log file: %v)", err)
	}
	defer file.Close()

	if _, err := file.Seek(offset, io.SeekStart); err != nil {
		return fmt.Sprintf("(cannot read log file: %v)", err)
	}
	content, err := io.ReadAll(file)
	if err != nil {
		return fmt.Sprintf("(cannot read log file: %v)", err)
	}

	lines := strings.Split(strings.TrimRight(string(content), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	tail := strings.Join(lines, "\n")
	if tail == "" {
		return "(the server wrote nothing to its log)"
	}
	return tail
}
