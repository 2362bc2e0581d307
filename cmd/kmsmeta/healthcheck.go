package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckConfig holds the flags of "kmsmeta healthcheck".
type healthcheckConfig struct {
	url     string
	timeout time.Duration
}

func newHealthcheckFlags(config *healthcheckConfig, stderr io.Writer) *flag.FlagSet {
	flags := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&config.url, "url", "http://127.0.0.1:8080/readyz", "health URL to fetch")
	flags.DurationVar(&config.timeout, "timeout", 3*time.Second, "time to wait for the answer")
	return flags
}

// runHealthcheck fetches a health URL and fails unless it answers 200. The
// container image has no shell or curl, so its health check runs this.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var config healthcheckConfig
	if err := parseFlags(newHealthcheckFlags(&config, stderr), args, getenv); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, config.timeout)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, config.url, nil)
	if err != nil {
		return fmt.Errorf("invalid --url %q: %w", config.url, err)
	}

	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return fmt.Errorf("health check of %s failed: %w", config.url, err)
	}
	defer response.Body.Close()

	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("health check of %s failed: status %d", config.url, response.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
