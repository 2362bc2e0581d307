package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
	"kmsmeta/migrations"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

// logBuffer collects what a command writes to stderr, for tests that wait
// for a log line while the command runs.
type logBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.String()
}

var listeningLine = regexp.MustCompile(`msg="HTTP server: listening" address=(\S+)`)

// startServe runs "kmsmeta serve" with args until the test ends and returns
// the base URL it listens on, with its log.
func startServe(t *testing.T, args []string, env map[string]string) (string, *logBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), io.Discard, logs,
			func(name string) string { return env[name] })
	}()

	var stopOnce sync.Once
	var stopErr error
	stop := func() error {
		stopOnce.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(60 * time.Second):
				stopErr = fmt.Errorf("serve did not stop within 60 s; log:\n%s", logs)
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })

	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if match := listeningLine.FindStringSubmatch(logs.String()); match != nil {
			return "http://" + match[1] + "/", logs, stop
		}
		select {
		case err := <-done:
			done <- err // for stop, which the cleanup calls
			t.Fatalf("serve ended before listening: %v; log:\n%s", err, logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not listen within 90 s; log:\n%s", logs)
	return "", nil, nil
}

// callAPI sends a GET request with the parameters and returns the status
// and body.
func callAPI(t *testing.T, baseURL string, parameters map[string]string) (int, string) {
	t.Helper()
	query := url.Values{"Version": {"2016-01-20"}}
	for name, value := range parameters {
		query.Set(name, value)
	}

	reply, err := http.Get(baseURL + "?" + query.Encode())
	if err != nil {
		t.Fatalf("call %s: %v", parameters["Action"], err)
	}
	defer reply.Body.Close()
	body, err := io.ReadAll(reply.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return reply.StatusCode, string(body)
}

var keyIDField = regexp.MustCompile(`"KeyId":"([^"]+)"`)

func TestServeDevelopmentDefaultKeepsData(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp("", "kmsmeta-devdefault-")
	if err != nil {
		t.Fatalf("create data dir: %v", err)
	}
	// The private PostgreSQL may run as the postgres user, which must be
	// able to enter the directory.
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatalf("chmod data dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dataDir) })

	baseURL, logs, stop := startServe(t, []string{"--data-dir", dataDir, "--auth", "none"}, nil)
	if !strings.Contains(logs.String(), "development default") {
		t.Errorf("log does not say that the development default is in use:\n%s", logs)
	}
	status, body := callAPI(t, baseURL, map[string]string{"Action": "CreateKey"})
	if status != http.StatusOK {
		t.Fatalf("CreateKey: status %d, body %s", status, body)
	}
	keyID := keyIDField.FindStringSubmatch(body)[1]
	status, body = callAPI(t, baseURL, map[string]string{"Action": "CreateAlias", "AliasName": "alias/kept", "KeyId": keyID})
	if status != http.StatusOK {
		t.Fatalf("CreateAlias: status %d, body %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("first serve: %v", err)
	}

	baseURL, _, stop = startServe(t, []string{"--data-dir", dataDir, "--auth", "none"}, nil)
	status, body = callAPI(t, baseURL, map[string]string{"Action": "DescribeKey", "KeyId": "alias/kept"})
	if status != http.StatusOK {
		t.Fatalf("DescribeKey after restart: status %d, body %s", status, body)
	}
	if !strings.Contains(body, `"KeyId":"`+keyID+`"`) {
		t.Errorf("DescribeKey after restart = %s, want key %s", body, keyID)
	}
	if err := stop(); err != nil {
		t.Errorf("second serve: %v", err)
	}
}

func TestServeWithDatabaseURL(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)

	baseURL, logs, _ := startServe(t, nil, map[string]string{
		"KMSMETA_DATABASE_URL":            databaseURL,
		"KMSMETA_REGION":                  "cn-shanghai",
		"KMSMETA_ACCOUNT":                 "1540355698848459",
		"KMSMETA_MAX_KEYS_PER_ACCOUNT":    "1",
		"KMSMETA_MAX_REQUESTS_PER_SECOND": "0.01",
		"KMSMETA_MAX_REQUEST_BURST":       "2",
		"KMSMETA_AUTH":                    "none",
	})

	if !regexp.MustCompile(`msg="database: migration applied" version=1 `).MatchString(logs.String()) {
		t.Errorf("log does not record migration 1 with its version:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "not authenticated") {
		t.Errorf("log lacks the warning that requests are not authenticated:\n%s", logs)
	}
	if password := passwordOf(t, databaseURL); password != "" && strings.Contains(logs.String(), password) {
		t.Errorf("log contains the database password")
	}

	status, body := callAPI(t, baseURL, map[string]string{"Action": "CreateKey"})
	if status != http.StatusOK {
		t.Fatalf("CreateKey: status %d, body %s", status, body)
	}
	if !strings.Contains(body, `"Arn":"acs:kms:cn-shanghai:1540355698848459:key/`) {
		t.Errorf("CreateKey body %s does not use the region and account from the environment", body)
	}

	for _, target := range []string{baseURL, baseURL + "readyz", strings.TrimSuffix(baseURL, "/")} {
		var stdout bytes.Buffer
		if err := run(context.Background(), []string{"healthcheck", "--url", target}, &stdout, io.Discard, func(string) string { return "" }); err != nil {
			t.Errorf("healthcheck --url %s: %v", target, err)
		}
	}
	if err := run(context.Background(), []string{"healthcheck", "--url", baseURL + "no-such-path"}, io.Discard, io.Discard, func(string) string { return "" }); err == nil {
		t.Errorf("healthcheck of a path that answers 404 succeeded, want an error")
	}

	status, body = callAPI(t, baseURL, map[string]string{"Action": "CreateKey"})
	if status != http.StatusBadRequest || !strings.Contains(body, `"Code":"Rejected.LimitExceeded"`) {
		t.Errorf("second CreateKey with a quota of 1: status %d, body %s; want 400 Rejected.LimitExceeded", status, body)
	}

	// The burst of 2 is spent, and the next token comes in 100 s.
	status, body = callAPI(t, baseURL, map[string]string{"Action": "ListKeys"})
	if status != http.StatusTooManyRequests || !strings.Contains(body, `"Code":"Rejected.Throttling"`) {
		t.Errorf("third request with a burst of 2: status %d, body %s; want 429 Rejected.Throttling", status, body)
	}
}

func passwordOf(t *testing.T, databaseURL string) string {
	t.Helper()
	parsed, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("parse database URL: %v", err)
	}
	password, _ := parsed.User.Password()
	return password
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)
	ctx := context.Background()
	env := func(name string) string { return "" }
	files, err := fs.Glob(migrations.FS(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("list migration files: %v (%d files)", err, len(files))
	}
	last := files[len(files)-1]

	migrate := func(direction string) string {
		t.Helper()
		var stdout bytes.Buffer
		if err := run(ctx, []string{"migrate", direction, "--database-url", databaseURL}, &stdout, io.Discard, env); err != nil {
			t.Fatalf("migrate %s: %v", direction, err)
		}
		return stdout.String()
	}

	status := migrate("status")
	for _, file := range files {
		if !strings.Contains(status, file+"\tpending") {
			t.Errorf("status before up = %q, want %s pending", status, file)
		}
	}

	applied := migrate("up")
	for _, file := range files {
		if !strings.Contains(applied, "applied "+file) {
			t.Errorf("up printed %q, want %s applied", applied, file)
		}
	}
	if again := migrate("up"); !strings.Contains(again, "schema is up to date") {
		t.Errorf("second up printed %q, want that the schema is up to date", again)
	}

	status = migrate("status")
	for _, file := range files {
		if !strings.Contains(status, file+"\tapplied ") {
			t.Errorf("status after up = %q, want %s applied", status, file)
		}
	}

	// The direction may also follow the flags.
	var stdout bytes.Buffer
	if err := run(ctx, []string{"migrate", "--database-url", databaseURL, "status"}, &stdout, io.Discard, env); err != nil {
		t.Errorf("migrate with the direction after the flags: %v", err)
	}
	if !strings.Contains(stdout.String(), last+"\tapplied ") {
		t.Errorf("status with the direction last printed %q", stdout.String())
	}

	if down := migrate("down"); !strings.Contains(down, "rolled back "+last) {
		t.Errorf("down printed %q, want %s rolled back", down, last)
	}
	if status := migrate("status"); !strings.Contains(status, last+"\tpending") {
		t.Errorf("status after down = %q, want %s pending", status, last)
	}
}

func TestMigrateCommandErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := func(name string) string { return "" }

	cases := map[string][]string{
		"no direction":    {"migrate"},
		"no URL":          {"migrate", "up"},
		"bad direction":   {"migrate", "sideways", "--database-url", "postgres://127.0.0.1:1/x"},
		"invalid URL":     {"migrate", "up", "--database-url", "::not a url::"},
		"unknown flag":    {"migrate", "up", "--no-such-flag"},
		"no command":      {},
		"unknown command": {"frobnicate"},
		"two directions":  {"migrate", "up", "--database-url", "postgres://127.0.0.1:1/x", "down"},
	}
	for name, args := range cases {
		if err := run(ctx, args, io.Discard, io.Discard, env); err == nil {
			t.Errorf("%s: run(%q) succeeded, want an error", name, args)
		}
	}
}

func TestServeFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"KMSMETA_LISTEN":   "127.0.0.1:9999",
		"KMSMETA_REGION":   "cn-beijing",
		"KMSMETA_DATA_DIR": "/var/lib/kmsmeta",
	}
	getenv := func(name string) string { return env[name] }

	config, err := parseServeFlags([]string{"--region", "cn-shanghai"}, io.Discard, getenv)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if config.listen != "127.0.0.1:9999" {
		t.Errorf("listen = %q, want the environment's 127.0.0.1:9999", config.listen)
	}
	if config.region != "cn-shanghai" {
		t.Errorf("region = %q, want the flag's cn-shanghai over the environment's", config.region)
	}
	if config.dataDir != "/var/lib/kmsmeta" {
		t.Errorf("data dir = %q", config.dataDir)
	}
	if config.account != "1000000000000001" {
		t.Errorf("account = %q, want the default", config.account)
	}
}

func TestServeFlagsInvalid(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }

	cases := map[string][]string{
		"short account":   {"--account", "12345"},
		"letters account": {"--account", "12345678901234ab"},
		"region":          {"--region", "CN Hangzhou"},
		"auth":            {"--auth", "magic"},
		"log level":       {"--log-level", "loud"},
		"negative quota":  {"--max-keys-per-account", "-1"},
		"alias quota":     {"--max-aliases-per-account", "many"},
		"short interval":  {"--deletion-interval", "10ms"},
		"interval unit":   {"--deletion-interval", "5"},
		"negative rate":   {"--max-requests-per-second", "-1"},
		"negative burst":  {"--max-request-burst", "-2"},
		"rate word":       {"--max-requests-per-second", "fast"},
		"argument":        {"extra"},
	}
	for name, args := range cases {
		if _, err := parseServeFlags(args, io.Discard, none); err == nil {
			t.Errorf("%s: parseServeFlags(%q) succeeded, want an error", name, args)
		}
	}

	_, err := parseServeFlags(nil, io.Discard, func(name string) string {
		if name == "KMSMETA_LOG_LEVEL" {
			return "loud"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "KMSMETA_LOG_LEVEL") {
		t.Errorf("invalid KMSMETA_LOG_LEVEL: error %v, want one naming the variable", err)
	}
}
