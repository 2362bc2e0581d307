package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
)

func TestServeStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	binary := filepath.Join(t.TempDir(), "kmsmeta")
	build := exec.Command("go", "build", "-o", binary, ".")
	if output, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, output)
	}

	var logs logBuffer
	serve := exec.Command(binary, "serve", "--listen", "127.0.0.1:0")
	serve.Env = append(os.Environ(), "KMSMETA_DATABASE_URL="+pgtest.NewDatabaseURL(t), "KMSMETA_AUTH=none")
	serve.Stderr = &logs
	if err := serve.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()

	listening := regexp.MustCompile(`msg="HTTP server: listening" address=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	var address string
	for address == "" {
		if match := listening.FindStringSubmatch(logs.String()); match != nil {
			address = match[1]
			continue
		}
		if time.Now().After(deadline) {
			_ = serve.Process.Kill()
			t.Fatalf("serve did not listen within 30 s; log:\n%s", logs.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited before listening: %v; log:\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if status, body := callAPI(t, "http://"+address+"/", map[string]string{"Action": "CreateKey"}); status != 200 {
		t.Fatalf("CreateKey: status %d, body %s", status, body)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("send SIGTERM: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want status 0; log:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = serve.Process.Kill()
		t.Fatalf("serve still running 30 s after SIGTERM")
	}
	if !strings.Contains(logs.String(), `msg="HTTP server: stopped"`) {
		t.Errorf("log lacks the shutdown line:\n%s", logs.String())
	}
}
