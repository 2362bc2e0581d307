package devpg

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// newDataDir returns an empty directory that the postgres user can enter
// when the tests run as root. t.TempDir is mode 0700, which that user cannot
// enter.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "devpg-test-")
	if err != nil {
		t.Fatalf("create data directory: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove data directory %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("make data directory %s searchable: %v", dir, err)
	}
	return dir
}

// startServer starts a server and stops it when the test ends.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	server, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start(DataDir %s): %v", opts.DataDir, err)
	}
	t.Cleanup(func() {
		if err := server.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return server
}

func stopServer(t *testing.T, server *Server) {
	t.Helper()
	if err := server.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func connect(t *testing.T, connURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), connURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func showSetting(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var value string
	if err := conn.QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&value); err != nil {
		t.Fatalf("read setting %s: %v", name, err)
	}
	return value
}

// readPostmasterPID returns the PID in the running server's lock file.
func readPostmasterPID(t *testing.T, dataDir string) (int, string) {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(dataDir, clusterDirName, "postmaster.pid"))
	if err != nil {
		t.Fatalf("read postmaster.pid: %v", err)
	}
	firstLine, _, _ := strings.Cut(string(content), "\n")
	pid, err := strconv.Atoi(firstLine)
	if err != nil {
		t.Fatalf("parse PID %q in postmaster.pid: %v", firstLine, err)
	}
	return pid, string(content)
}

// processExited reports whether process pid has exited. An exited process
// can stay a zombie when the machine's init does not reap orphans.
func processExited(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name, which is in parentheses.
	_, afterName, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(afterName, "Z")
}

func TestFindBinDirFindsServerBinaries(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatalf("FindBinDir: %v", err)
	}

	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s in %s: %v", name, dir, err)
			continue
		}
		if info.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s in %s has mode %s, want executable", name, dir, info.Mode())
		}
	}
}

func TestCompareVersionDirsOrdersNumerically(t *testing.T) {
	dirs := []struct{ older, newer string }{
		{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/10/bin"},
		{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"},
		{"/usr/lib/postgresql/unknown/bin", "/usr/lib/postgresql/12/bin"},
	}
	for _, pair := range dirs {
		if got := compareVersionDirs(pair.older, pair.newer); got >= 0 {
			t.Errorf("compareVersionDirs(%q, %q) = %d, want negative", pair.older, pair.newer, got)
		}
	}
}

func TestStartKeepsDataAcrossRestart(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	var logOutput bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logOutput, nil))

	first := startServer(t, Options{DataDir: dataDir, Logger: logger})
	conn := connect(t, first.URL())
	if _, err := conn.Exec(t.Context(), "CREATE TABLE notes (body text NOT NULL)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := conn.Exec(t.Context(), "INSERT INTO notes (body) VALUES ('kept')"); err != nil {
		t.Fatalf("insert row: %v", err)
	}

	var database string
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&database); err != nil {
		t.Fatalf("read current database: %v", err)
	}
	if database != "kmsmeta" {
		t.Errorf("current database = %q, want the default %q", database, "kmsmeta")
	}
	if got := showSetting(t, conn, "fsync"); got != "off" {
		t.Errorf("fsync = %q with Durable false, want off", got)
	}
	if got := showSetting(t, conn, "synchronous_commit"); got != "off" {
		t.Errorf("synchronous_commit = %q with Durable false, want off", got)
	}
	if got := showSetting(t, conn, "listen_addresses"); got != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, want 127.0.0.1", got)
	}
	if got := showSetting(t, conn, "unix_socket_directories"); got != "" {
		t.Errorf("unix_socket_directories = %q, want empty", got)
	}
	if err := conn.Close(t.Context()); err != nil {
		t.Fatalf("close connection: %v", err)
	}
	firstPassword := first.Password()
	stopServer(t, first)

	second := startServer(t, Options{DataDir: dataDir, Durable: true, Logger: logger})
	conn = connect(t, second.URL())
	var body string
	if err := conn.QueryRow(t.Context(), "SELECT body FROM notes").Scan(&body); err != nil {
		t.Fatalf("read row after restart: %v", err)
	}
	if body != "kept" {
		t.Errorf("row after restart = %q, want %q", body, "kept")
	}
	if got := showSetting(t, conn, "fsync"); got != "on" {
		t.Errorf("fsync = %q with Durable true, want on", got)
	}
	if second.Password() != firstPassword {
		t.Errorf("password changed across restarts")
	}

	info, err := os.Stat(filepath.Join(dataDir, passwordFileName))
	if err != nil {
		t.Fatalf("stat password file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("password file mode = %s, want 0600", info.Mode().Perm())
	}
	if strings.Contains(logOutput.String(), firstPassword) {
		t.Errorf("log output contains the superuser password")
	}
	if !strings.Contains(logOutput.String(), "started PostgreSQL") {
		t.Errorf("log output has no start message:\n%s", logOutput.String())
	}
}

func TestServerURLs(t *testing.T) {
	t.Parallel()
	server := startServer(t, Options{DataDir: newDataDir(t), Database: "registry_test"})

	wantPrefix := "postgres://kmsmeta:" + server.Password() + "@127.0.0.1:" + strconv.Itoa(server.Port()) + "/"
	if want := wantPrefix + "registry_test?sslmode=disable"; server.URL() != want {
		t.Errorf("URL() = %q, want %q", server.URL(), want)
	}
	if want := wantPrefix + "postgres?sslmode=disable"; server.AdminURL() != want {
		t.Errorf("AdminURL() = %q, want %q", server.AdminURL(), want)
	}
	if server.Host() != "127.0.0.1" {
		t.Errorf("Host() = %q, want 127.0.0.1", server.Host())
	}
	if server.User() != "kmsmeta" {
		t.Errorf("User() = %q, want kmsmeta", server.User())
	}

	var database string
	conn := connect(t, server.URL())
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&database); err != nil {
		t.Fatalf("read current database: %v", err)
	}
	if database != "registry_test" {
		t.Errorf("current database = %q, want registry_test", database)
	}

	wrongPassword := strings.Replace(server.URL(), server.Password(), "wrong", 1)
	if conn, err := pgx.Connect(t.Context(), wrongPassword); err == nil {
		_ = conn.Close(t.Context())
		t.Errorf("connecting with a wrong password succeeded, want authentication failure")
	}
}

func TestStopTwiceSucceeds(t *testing.T) {
	t.Parallel()
	server := startServer(t, Options{DataDir: newDataDir(t)})

	if err := server.Stop(t.Context()); err != nil {
		t.Fatalf("first Stop: %v", err)
	}
	if err := server.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if conn, err := pgx.Connect(t.Context(), server.URL()); err == nil {
		_ = conn.Close(t.Context())
		t.Errorf("connecting after Stop succeeded, want the server gone")
	}
}

func TestStartStopsLeftoverServer(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)

	// The first server is never stopped, as if its process had crashed:
	// the kernel would release the data directory's lock on exit.
	leftover := startServer(t, Options{DataDir: dataDir})
	leftoverPID, _ := readPostmasterPID(t, dataDir)
	if err := leftover.lock.Close(); err != nil {
		t.Fatalf("release the leftover's lock: %v", err)
	}

	server := startServer(t, Options{DataDir: dataDir})

	if !processExited(leftoverPID) {
		t.Errorf("leftover postmaster %d still runs after the second Start", leftoverPID)
	}
	newPID, _ := readPostmasterPID(t, dataDir)
	if newPID == leftoverPID {
		t.Errorf("new server has the leftover's PID %d", newPID)
	}

	conn := connect(t, server.URL())
	if _, err := conn.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Errorf("query on the new server: %v", err)
	}
	if leftover.Password() != server.Password() {
		t.Errorf("password changed when replacing the leftover server")
	}
}

func TestStartRejectsDataDirInUse(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	running := startServer(t, Options{DataDir: dataDir})

	second, err := Start(t.Context(), Options{DataDir: dataDir})
	if err == nil {
		_ = second.Stop(t.Context())
		t.Fatalf("second Start on a data directory in use succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the directory is in use", err)
	}

	conn := connect(t, running.URL())
	if _, err := conn.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Errorf("the running server stopped responding after the rejected Start: %v", err)
	}
}

func TestStartRemovesStaleLockFile(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)

	first := startServer(t, Options{DataDir: dataDir})
	_, lockFile := readPostmasterPID(t, dataDir)
	stopServer(t, first)

	// After a reboot the recorded PID can belong to any process. This test
	// process is alive and is not postgres.
	_, rest, _ := strings.Cut(lockFile, "\n")
	stale := strconv.Itoa(os.Getpid()) + "\n" + rest
	lockPath := filepath.Join(dataDir, clusterDirName, "postmaster.pid")
	if err := os.WriteFile(lockPath, []byte(stale), 0o600); err != nil {
		t.Fatalf("write stale postmaster.pid: %v", err)
	}

	// Had Start taken this process for the server, pg_ctl stop would have
	// sent it SIGINT and ended the test run.
	var logOutput bytes.Buffer
	server := startServer(t, Options{DataDir: dataDir, Logger: slog.New(slog.NewTextHandler(&logOutput, nil))})
	conn := connect(t, server.URL())
	if _, err := conn.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Errorf("query after start over a stale lock file: %v", err)
	}
	if !strings.Contains(logOutput.String(), "removing stale server lock file") {
		t.Errorf("log output does not report the stale lock file:\n%s", logOutput.String())
	}
}

func TestStartRejectsClusterWithoutPasswordFile(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	stopServer(t, startServer(t, Options{DataDir: dataDir}))

	passwordPath := filepath.Join(dataDir, passwordFileName)
	if err := os.Remove(passwordPath); err != nil {
		t.Fatalf("remove password file: %v", err)
	}

	server, err := Start(t.Context(), Options{DataDir: dataDir})
	if err == nil {
		_ = server.Stop(context.Background())
		t.Fatalf("Start without a password file succeeded, want an error")
	}
	if !strings.Contains(err.Error(), passwordPath) {
		t.Errorf("error does not name the password file %s: %v", passwordPath, err)
	}
	if _, statErr := os.Stat(passwordPath); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("Start created a new password file for an existing cluster (stat: %v)", statErr)
	}
}

func TestStartRejectsEmptyDataDir(t *testing.T) {
	server, err := Start(t.Context(), Options{})
	if err == nil {
		_ = server.Stop(context.Background())
		t.Fatalf("Start with an empty DataDir succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "DataDir") {
		t.Errorf("error does not name DataDir: %v", err)
	}
}

func TestStartRejectsDataDirThatIsFile(t *testing.T) {
	path := filepath.Join(newDataDir(t), "file")
	if err := os.WriteFile(path, []byte("not a directory"), 0o644); err != nil {
		t.Fatalf("write file: %v", err)
	}

	server, err := Start(t.Context(), Options{DataDir: path})
	if err == nil {
		_ = server.Stop(context.Background())
		t.Fatalf("Start with a file as DataDir succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("error does not say the path is not a directory: %v", err)
	}
}

func TestStartRejectsUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only a root process runs PostgreSQL as another user")
	}
	closed := newDataDir(t)
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatalf("close directory %s: %v", closed, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	server, err := Start(ctx, Options{DataDir: filepath.Join(closed, "data")})
	if err == nil {
		_ = server.Stop(context.Background())
		t.Fatalf("Start under a 0700 root directory succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "cannot enter "+closed) {
		t.Errorf("error does not name the closed directory %s: %v", closed, err)
	}

	if _, err := os.Stat(filepath.Join(closed, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start created the data directory under %s (stat: %v), want nothing created", closed, err)
	}
	info, err := os.Stat(closed)
	if err != nil {
		t.Fatalf("stat %s: %v", closed, err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("Start changed the mode of %s to %s, want it left at 0700", closed, info.Mode().Perm())
	}
}

func TestStartErrorQuotesServerLog(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	stopServer(t, startServer(t, Options{DataDir: dataDir}))

	configPath := filepath.Join(dataDir, clusterDirName, "postgresql.conf")
	config, err := os.OpenFile(configPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("open %s: %v", configPath, err)
	}
	if _, err := config.WriteString("\nkmsmeta_no_such_setting = 1\n"); err != nil {
		t.Fatalf("append to %s: %v", configPath, err)
	}
	if err := config.Close(); err != nil {
		t.Fatalf("close %s: %v", configPath, err)
	}

	server, err := Start(t.Context(), Options{DataDir: dataDir})
	if err == nil {
		_ = server.Stop(context.Background())
		t.Fatalf("Start with an invalid setting succeeded, want an error")
	}
	if !strings.Contains(err.Error(), `unrecognized configuration parameter "kmsmeta_no_such_setting"`) {
		t.Errorf("error does not quote the server log:\n%v", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(dataDir, logFileName)) {
		t.Errorf("error does not name the log file:\n%v", err)
	}
}

func TestStartOrAttachReusesRunningServer(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	running := startServer(t, Options{DataDir: dataDir})
	runningPID, _ := readPostmasterPID(t, dataDir)

	attached, err := StartOrAttach(t.Context(), Options{DataDir: dataDir})
	if err != nil {
		t.Fatalf("StartOrAttach: %v", err)
	}
	if attached.Port() != running.Port() {
		t.Errorf("attached to port %d, want the running server's %d", attached.Port(), running.Port())
	}
	if err := attached.Stop(t.Context()); err != nil {
		t.Fatalf("Stop of the attached server: %v", err)
	}

	// Stopping the attached server must leave the owner's server running.
	if processExited(runningPID) {
		t.Fatalf("the running server %d stopped when the attached one was stopped", runningPID)
	}
	conn := connect(t, running.URL())
	if _, err := conn.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Errorf("query on the running server after the attached Stop: %v", err)
	}
}

func TestStartOrAttachStartsWhenNoneRuns(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)

	server, err := StartOrAttach(t.Context(), Options{DataDir: dataDir})
	if err != nil {
		t.Fatalf("StartOrAttach: %v", err)
	}
	t.Cleanup(func() {
		if err := server.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	conn := connect(t, server.URL())
	if _, err := conn.Exec(t.Context(), "SELECT 1"); err != nil {
		t.Errorf("query on the started server: %v", err)
	}
}
