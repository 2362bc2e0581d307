// Command kmsmeta serves the Alibaba Cloud KMS key-metadata and alias API
// (version 2016-01-20) from a PostgreSQL database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()

	// The flag package has printed the help that -h asked for.
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kmsmeta:", err)
		os.Exit(1)
	}
}
