// Command kmsmeta serves the Alibaba Cloud KMS key-metadata and alias API
// (version 2016-01-20) from a PostgreSQL database.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()

	if err != nil {
		fmt.Fprintln(os.Stderr, "kmsmeta:", err)
		os.Exit(1)
	}
}
