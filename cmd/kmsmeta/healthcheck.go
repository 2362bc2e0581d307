package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	flags.StringVar(&config.url, "url", "http://127.0.0.1:8080/readyz", "readiness URL to fetch; a URL without a path means its /readyz")
	flags.DurationVar(&config.timeout, "timeout", 3*time.Second, "time to wait for the answer")
	return flags
}

// runHealthcheck fetches a readiness URL and fails unless the status is 200. The
// container image has no shell or curl, so its health check runs this.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var config healthcheckConfig
	if err := parseFlags(newHealthcheckFlags(&config, stderr), args, getenv); err != nil {
		return err
	}

	target, err := url.Parse(config.url)
	if err != nil || target.Host == "" {
		return fmt.Errorf("invalid --url %q: give the server's readiness URL, such as http://127.0.0.1:8080/readyz", config.url)
	}
	// A base URL means the server's readiness endpoint.
	if target.Path == "" || target.Path == "/" {
		target.Path = "/readyz"
	}

	ctx, cancel := context.WithTimeout(ctx, config.timeout)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return fmt.Errorf("invalid --url %q: %w", config.url, err)
	}

	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return fmt.Errorf("health check of %s failed: %w", target, err)
	}
	defer response.Body.Close()

	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("health check of %s failed: status %d", target, response.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
