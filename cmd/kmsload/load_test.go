package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/httpapi"
	"kmsmeta/internal/masterkey"
	"kmsmeta/internal/pgtest"
	"kmsmeta/repository"
	"kmsmeta/service"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

const testMasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// startServer serves the KMS API with signature checks on a loopback port
// and returns its address and an access key's environment for kmsload.
func startServer(t *testing.T) (string, map[string]string, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	key, err := masterkey.Parse(testMasterKey)
	if err != nil {
		t.Fatalf("parse master key: %v", err)
	}
	store := repository.NewStore(pool)
	keys := service.NewAccessKeys(store, key)
	created, err := keys.Create(context.Background(), "1540355698848459")
	if err != nil {
		t.Fatalf("create access key: %v", err)
	}

	handler := httpapi.New(httpapi.Config{
		Service:       service.New(store),
		RegionID:      "cn-hangzhou",
		Authenticator: httpapi.SignatureAuthentication{AccessKeys: keys, RegionID: "cn-hangzhou"},
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })

	env := map[string]string{
		accessKeyIDVariable:     created.AccessKeyID,
		accessKeySecretVariable: created.AccessKeySecret,
	}
	return listener.Addr().String(), env, pool
}

var requestsLine = regexp.MustCompile(`requests: (\d+) in [0-9.]+s \(\d+/s\), succeeded (\d+), failed (\d+)`)

func TestLoadRunSignedAndCleansUp(t *testing.T) {
	t.Parallel()
	address, env, pool := startServer(t)

	for _, scheme := range []string{"v3", "v1"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{
			"--endpoint", address, "--signature", scheme, "--aliases", "25", "--concurrency", "3",
			"--duration", "20s", "--requests", "150",
		}, &stdout, &stderr, func(name string) string { return env[name] })
		if err != nil {
			t.Fatalf("%s run: %v; output:\n%s%s", scheme, err, stdout.String(), stderr.String())
		}

		match := requestsLine.FindStringSubmatch(stdout.String())
		if match == nil {
			t.Fatalf("%s: no requests line in:\n%s", scheme, stdout.String())
		}
		if match[1] != "150" || match[2] != "150" || match[3] != "0" {
			t.Errorf("%s: %s, want 150 requests, all succeeded", scheme, match[0])
		}
		if !strings.Contains(stdout.String(), "latency: p50 ") {
			t.Errorf("%s: no latency line in:\n%s", scheme, stdout.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("%s: clean-up reported:\n%s", scheme, stderr.String())
		}
	}

	var aliases, pending int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM aliases`).Scan(&aliases); err != nil {
		t.Fatalf("count aliases: %v", err)
	}
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM keys WHERE key_state = 'PendingDeletion'`).Scan(&pending); err != nil {
		t.Fatalf("count keys: %v", err)
	}
	if aliases != 0 || pending != 2 {
		t.Errorf("after two runs: %d aliases and %d keys pending deletion, want 0 and 2", aliases, pending)
	}
}

func TestLoadRunReportsFailures(t *testing.T) {
	t.Parallel()
	address, env, _ := startServer(t)
	env[accessKeySecretVariable] = "not-the-secret"

	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--endpoint", address, "--requests", "5"}, &stdout, io.Discard,
		func(name string) string { return env[name] })

	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("run with a wrong secret: error %v, want the set-up to fail with SignatureDoesNotMatch", err)
	}
}

func TestLoadConfigRejectsBadInput(t *testing.T) {
	t.Parallel()
	env := map[string]string{accessKeyIDVariable: "LTAIexample", accessKeySecretVariable: "secret"}
	getenv := func(name string) string { return env[name] }

	cases := map[string][]string{
		"URL as endpoint":     {"--endpoint", "http://127.0.0.1:8080"},
		"no port":             {"--endpoint", "127.0.0.1"},
		"remote host":         {"--endpoint", "kms.example.invalid:443"},
		"scheme":              {"--scheme", "ftp"},
		"signature":           {"--signature", "v2"},
		"concurrency zero":    {"--concurrency", "0"},
		"concurrency large":   {"--concurrency", "257"},
		"duration too long":   {"--duration", "11m"},
		"duration zero":       {"--duration", "0s"},
		"negative requests":   {"--requests", "-1"},
		"too many aliases":    {"--aliases", "1001"},
		"page size":           {"--page-size", "102"},
		"positional argument": {"extra"},
	}
	for name, args := range cases {
		if _, err := parseConfig(args, io.Discard, getenv); err == nil {
			t.Errorf("%s: parseConfig(%q) succeeded, want an error", name, args)
		}
	}

	if _, err := parseConfig(nil, io.Discard, func(string) string { return "" }); err == nil {
		t.Errorf("signed run without an access key succeeded, want an error")
	}
	if _, err := parseConfig([]string{"--signature", "none"}, io.Discard, func(string) string { return "" }); err != nil {
		t.Errorf("unsigned run without an access key: %v", err)
	}
	if _, err := parseConfig([]string{"--endpoint", "localhost:8080"}, io.Discard, getenv); err != nil {
		t.Errorf("localhost endpoint: %v", err)
	}
	if _, err := parseConfig([]string{"--endpoint", "[::1]:8080"}, io.Discard, getenv); err != nil {
		t.Errorf("IPv6 loopback endpoint: %v", err)
	}
}
