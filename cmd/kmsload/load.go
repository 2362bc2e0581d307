package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// run sets up a key with aliases, sends ListAliasesByKeyId requests until
// the duration or the request count runs out, reports, and cleans up.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseConfig(args, stderr, getenv)
	if err != nil {
		return err
	}
	api := newClient(c)

	fmt.Fprintf(stdout, "set-up: one key with %d aliases on %s\n", c.aliases, api.base)
	keyID, aliasNames, err := setUp(ctx, api, c.aliases)
	if err != nil {
		return fmt.Errorf("set-up failed: %w", err)
	}
	if !c.keep {
		defer cleanUp(context.WithoutCancel(ctx), api, keyID, aliasNames, stderr)
	}

	fmt.Fprintf(stdout, "load: %d in flight for %s", c.concurrency, c.duration)
	if c.maxRequests > 0 {
		fmt.Fprintf(stdout, " or %d requests", c.maxRequests)
	}
	fmt.Fprintln(stdout)
	result := drive(ctx, api, c, keyID)
	result.report(stdout)

	if result.succeeded() == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// setUp creates the key and its aliases, with names unique to this run.
func setUp(ctx context.Context, api *client, aliases int) (string, []string, error) {
	var created struct{ KeyMetadata struct{ KeyId string } }
	if err := api.call(ctx, "CreateKey", map[string]string{"Description": "kmsload test key"}, &created); err != nil {
		return "", nil, fmt.Errorf("CreateKey: %w", err)
	}
	keyID := created.KeyMetadata.KeyId

	run := uuid.NewString()[:8]
	names := make([]string, 0, aliases)
	for i := range aliases {
		name := fmt.Sprintf("alias/kmsload-%s-%04d", run, i)
		if err := api.call(ctx, "CreateAlias", map[string]string{"AliasName": name, "KeyId": keyID}, nil); err != nil {
			return keyID, names, fmt.Errorf("CreateAlias %s: %w", name, err)
		}
		names = append(names, name)
	}
	return keyID, names, nil
}

// cleanUp deletes the run's aliases and schedules its key for deletion
// after the shortest window, 7 days. Failures are reported, not fatal.
func cleanUp(ctx context.Context, api *client, keyID string, aliasNames []string, stderr io.Writer) {
	for _, name := range aliasNames {
		if err := api.call(ctx, "DeleteAlias", map[string]string{"AliasName": name}, nil); err != nil {
			fmt.Fprintf(stderr, "clean-up: DeleteAlias %s failed: %v\n", name, err)
		}
	}
	if keyID == "" {
		return
	}
	if err := api.call(ctx, "ScheduleKeyDeletion", map[string]string{"KeyId": keyID, "PendingWindowInDays": "7"}, nil); err != nil {
		fmt.Fprintf(stderr, "clean-up: ScheduleKeyDeletion %s failed: %v\n", keyID, err)
	}
}

// result collects what the workers measured.
type result struct {
	elapsed   time.Duration
	mu        sync.Mutex
	latencies []time.Duration
	failures  map[string]int
}

func (r *result) record(latency time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()

	if err == nil {
		r.latencies = append(r.latencies, latency)
		return
	}
	var failure *apiError
	if errors.As(err, &failure) {
		r.failures[strconv.Itoa(failure.Status)+" "+failure.Code]++
	} else {
		r.failures["transport: "+err.Error()]++
	}
}

func (r *result) succeeded() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.latencies)
}

// drive runs the workers until the duration or the request budget runs out,
// or ctx is cancelled.
func drive(ctx context.Context, api *client, c config, keyID string) *result {
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()

	pages := max(1, (c.aliases+c.pageSize-1)/c.pageSize)
	budget := c.maxRequests
	var sent atomic.Int64
	r := &result{failures: map[string]int{}}
	started := time.Now()

	var wg sync.WaitGroup
	for worker := range c.concurrency {
		wg.Go(func() {
			for page := worker % pages; ctx.Err() == nil; page = (page + 1) % pages {
				if budget > 0 && sent.Add(1) > budget {
					return
				}
				begin := time.Now()
				err := api.call(ctx, "ListAliasesByKeyId", map[string]string{
					"KeyId": keyID, "PageSize": strconv.Itoa(c.pageSize), "PageNumber": strconv.Itoa(page + 1),
				}, nil)
				if ctx.Err() != nil && err != nil {
					return // The run ended while this request was in flight.
				}
				r.record(time.Since(begin), err)
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(started)
	return r
}

func (r *result) report(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()

	failed := 0
	for _, count := range r.failures {
		failed += count
	}
	total := len(r.latencies) + failed
	seconds := r.elapsed.Seconds()
	fmt.Fprintf(w, "requests: %d in %.1fs (%.0f/s), succeeded %d, failed %d\n",
		total, seconds, float64(total)/seconds, len(r.latencies), failed)

	if len(r.latencies) > 0 {
		slices.Sort(r.latencies)
		fmt.Fprintf(w, "latency: p50 %s, p90 %s, p99 %s, max %s\n",
			percentile(r.latencies, 50), percentile(r.latencies, 90), percentile(r.latencies, 99), r.latencies[len(r.latencies)-1].Round(time.Microsecond))
	}

	codes := make([]string, 0, len(r.failures))
	for code := range r.failures {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		fmt.Fprintf(w, "failed: %d × %s\n", r.failures[code], code)
	}
}

// percentile returns the p-th percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1].Round(time.Microsecond)
}
