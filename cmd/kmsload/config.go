package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Environment variables that hold the access key. The secret has no flag,
// because a command line is visible to every user of the machine.
const (
	accessKeyIDVariable     = "KMSLOAD_ACCESS_KEY_ID"
	accessKeySecretVariable = "KMSLOAD_ACCESS_KEY_SECRET"
)

// Bounds that keep a run from becoming an accident.
const (
	maxDuration    = 10 * time.Minute
	maxConcurrency = 256
	maxAliases     = 1000
)

// config holds the flags of a load run.
type config struct {
	endpoint         string
	scheme           string
	signature        string
	accessKeyID      string
	accessKeySecret  string
	concurrency      int
	duration         time.Duration
	maxRequests      int64
	aliases          int
	pageSize         int
	keep             bool
	allowNonLoopback bool
}

func parseConfig(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var c config
	flags := flag.NewFlagSet("kmsload", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&c.endpoint, "endpoint", "127.0.0.1:8080", "server address as host:port, as the SDKs take it")
	flags.StringVar(&c.scheme, "scheme", "http", "http or https")
	flags.StringVar(&c.signature, "signature", "v3", "request signing: v3 (ACS3-HMAC-SHA256), v1 (HMAC-SHA1) or none for a server with --auth none")
	flags.IntVar(&c.concurrency, "concurrency", 4, fmt.Sprintf("requests in flight, 1 to %d", maxConcurrency))
	flags.DurationVar(&c.duration, "duration", 10*time.Second, fmt.Sprintf("how long to send requests, at most %s", maxDuration))
	flags.Int64Var(&c.maxRequests, "requests", 0, "stop after this many requests; 0 means only --duration limits the run")
	flags.IntVar(&c.aliases, "aliases", 100, fmt.Sprintf("aliases that the set-up binds to the test key, 0 to %d", maxAliases))
	flags.IntVar(&c.pageSize, "page-size", 10, "PageSize of each request, 1 to 101")
	flags.BoolVar(&c.keep, "keep", false, "keep the test key and aliases instead of deleting the aliases and scheduling the key's deletion")
	flags.BoolVar(&c.allowNonLoopback, "allow-non-loopback", false, "allow an endpoint that is not a loopback address")
	if err := flags.Parse(args); err != nil {
		return config{}, err
	}
	if flags.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: kmsload takes only flags", flags.Arg(0))
	}

	c.accessKeyID = getenv(accessKeyIDVariable)
	c.accessKeySecret = getenv(accessKeySecretVariable)
	return c, c.validate()
}

func (c config) validate() error {
	host, port, err := net.SplitHostPort(c.endpoint)
	if err != nil || host == "" || port == "" || strings.Contains(c.endpoint, "/") {
		return fmt.Errorf("invalid --endpoint %q: give host:port, such as 127.0.0.1:8080, without a scheme", c.endpoint)
	}
	if !c.allowNonLoopback && !isLoopback(host) {
		return fmt.Errorf("--endpoint %s is not a loopback address: pass --allow-non-loopback to load another host on purpose", c.endpoint)
	}

	switch {
	case c.scheme != "http" && c.scheme != "https":
		return fmt.Errorf("invalid --scheme %q: use http or https", c.scheme)
	case c.signature != "v1" && c.signature != "v3" && c.signature != "none":
		return fmt.Errorf("invalid --signature %q: use v3, v1 or none", c.signature)
	case c.signature != "none" && (c.accessKeyID == "" || c.accessKeySecret == ""):
		return errors.New("missing access key: set " + accessKeyIDVariable + " and " + accessKeySecretVariable + ", or use --signature none")
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return fmt.Errorf("invalid --concurrency %d: use 1 to %d", c.concurrency, maxConcurrency)
	case c.duration <= 0 || c.duration > maxDuration:
		return fmt.Errorf("invalid --duration %s: use more than 0 and at most %s", c.duration, maxDuration)
	case c.maxRequests < 0:
		return fmt.Errorf("invalid --requests %d: use 0 or more", c.maxRequests)
	case c.aliases < 0 || c.aliases > maxAliases:
		return fmt.Errorf("invalid --aliases %d: use 0 to %d", c.aliases, maxAliases)
	case c.pageSize < 1 || c.pageSize > 101:
		return fmt.Errorf("invalid --page-size %d: use 1 to 101", c.pageSize)
	}
	return nil
}

// isLoopback reports whether host names this machine without a DNS lookup:
// localhost or a literal loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
