package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
	"kmsmeta/service"
)

// syncBuffer is a bytes.Buffer that a logger and a test may use at once.
type syncBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buffer.String()
}

func TestDeletionAfterDeleteDate(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithClock(clock.Now))
	doomed := server.createKey(t)
	server.createAlias(t, "alias/doomed-1", doomed)
	server.createAlias(t, "alias/doomed-2", doomed)
	later := server.createKey(t)
	survivor := server.createKey(t)
	server.createAlias(t, "alias/kept", survivor)
	server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": doomed, "PendingWindowInDays": "7"})
	server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": later, "PendingWindowInDays": "30"})
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))

	clock.Advance(7*24*time.Hour - time.Minute)
	deleted, err := server.svc.DeleteExpiredKeys(context.Background(), testRegion, logger)
	if err != nil || deleted != 0 {
		t.Fatalf("before DeleteDate: deleted %d keys, error %v; want 0 and none", deleted, err)
	}

	clock.Advance(2 * time.Minute)
	deleted, err = server.svc.DeleteExpiredKeys(context.Background(), testRegion, logger)
	if err != nil || deleted != 1 {
		t.Fatalf("after DeleteDate: deleted %d keys, error %v; want 1 and none", deleted, err)
	}

	expectError(t, server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": doomed}), http.StatusNotFound, "Forbidden.KeyNotFound")
	expectError(t, server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": doomed}), http.StatusNotFound, "Forbidden.KeyNotFound")
	expectError(t, server.get(t, map[string]string{"Action": "CancelKeyDeletion", "KeyId": doomed}), http.StatusNotFound, "Forbidden.KeyNotFound")
	expectError(t, server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": "alias/doomed-1"}), http.StatusNotFound, "Forbidden.AliasNotFound")
	if bound := server.allAliases(t); len(bound) != 1 || bound["alias/kept"] != survivor {
		t.Errorf("aliases after the deletion = %v, want alias/kept only", bound)
	}
	if state := server.keyState(t, later); state != "PendingDeletion" {
		t.Errorf("key due in 30 days is %s, want PendingDeletion", state)
	}
	if !strings.Contains(logs.String(), "key_id="+doomed) {
		t.Errorf("deletion log does not name key %s:\n%s", doomed, logs)
	}
	var aliasHistory []string
	rows, err := server.pool.Query(context.Background(),
		`SELECT action || ':' || request_id FROM audit_events WHERE alias_name = 'alias/doomed-2' ORDER BY event_id`)
	if err != nil {
		t.Fatalf("query alias history: %v", err)
	}
	for rows.Next() {
		var entry string
		if err := rows.Scan(&entry); err != nil {
			t.Fatalf("scan: %v", err)
		}
		aliasHistory = append(aliasHistory, entry)
	}
	rows.Close()
	if len(aliasHistory) != 2 || !strings.HasPrefix(aliasHistory[0], "CreateAlias:") || aliasHistory[1] != "DeleteKey:deletion-worker" {
		t.Errorf("history of alias/doomed-2 = %v, want its CreateAlias, then DeleteKey by the deletion worker", aliasHistory)
	}

	// The alias name can be used again.
	server.createAlias(t, "alias/doomed-1", survivor)
}

func TestDeletionWorkerRuns(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithClock(clock.Now))
	keyID := server.createKey(t)
	server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"})
	clock.Advance(8 * 24 * time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.svc.RunDeletionWorker(ctx, testRegion, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		cancel()
		<-done
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		reply := server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID})
		if reply.Status == http.StatusNotFound {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("key still there 10 s after its DeleteDate passed: status %d", reply.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeletionReplicasShareWork(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	pool := pgtest.NewPool(t)
	first := startServerOn(t, pool, testAccount, service.WithClock(clock.Now))
	second := startServerOn(t, pool, testAccount, service.WithClock(clock.Now))

	const keys = 230
	for range keys {
		keyID := first.createKey(t)
		first.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"})
	}
	clock.Advance(8 * 24 * time.Hour)

	counts := make([]int, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range counts {
		replica := first
		if i%2 == 1 {
			replica = second
		}
		wg.Go(func() {
			counts[i], errs[i] = replica.svc.DeleteExpiredKeys(context.Background(), testRegion, slog.New(slog.DiscardHandler))
		})
	}
	wg.Wait()

	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Errorf("run %d failed: %v", i, errs[i])
		}
		total += counts[i]
	}
	if total != keys {
		t.Errorf("runs deleted %v keys, %d in all; want each of the %d keys deleted once", counts, total, keys)
	}

	var events int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'DeleteKey' AND alias_name IS NULL`).Scan(&events); err != nil {
		t.Fatalf("count audit events: %v", err)
	}
	if events != keys {
		t.Errorf("%d DeleteKey audit events, want one per key (%d)", events, keys)
	}
}

// raceUpdateAliasWithDeletion sends UpdateAlias while the deletion worker
// runs, fails the test if the worker fails, and returns the response.
func raceUpdateAliasWithDeletion(t *testing.T, server *apiServer, aliasName, targetKeyID string) response {
	t.Helper()
	var update response
	var workerErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		update = server.get(t, map[string]string{"Action": "UpdateAlias", "AliasName": aliasName, "KeyId": targetKeyID})
	})
	wg.Go(func() {
		_, workerErr = server.svc.DeleteExpiredKeys(context.Background(), testRegion, slog.New(slog.DiscardHandler))
	})
	wg.Wait()

	if workerErr != nil {
		t.Fatalf("deletion of %s's key failed: %v", aliasName, workerErr)
	}
	return update
}

func TestDeletionRacesUpdateAlias(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithClock(clock.Now))
	ctx := context.Background()

	for round := range 20 {
		expiring, target := server.createKey(t), server.createKey(t)
		name := fmt.Sprintf("alias/raced-%02d", round)
		server.createAlias(t, name, expiring)
		server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": expiring, "PendingWindowInDays": "7"})
		clock.Advance(8 * 24 * time.Hour)

		update := raceUpdateAliasWithDeletion(t, server, name, target)
		var deletedWithKey int
		if err := server.pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'DeleteKey' AND alias_name = $1`, name).Scan(&deletedWithKey); err != nil {
			t.Fatalf("count audit rows: %v", err)
		}
		bound := server.allAliases(t)[name]

		// Either serial order is fine: the alias moved first and survives on
		// the target, or it went with its key first and the update found
		// no alias. The audit trail must tell the same story.
		switch update.Status {
		case http.StatusOK:
			if bound != target || deletedWithKey != 0 {
				t.Errorf("round %d: update succeeded, but the alias is on %q and %d DeleteKey rows name it", round, bound, deletedWithKey)
			}
		case http.StatusNotFound:
			expectError(t, update, http.StatusNotFound, "Forbidden.AliasNotFound")
			if bound != "" || deletedWithKey != 1 {
				t.Errorf("round %d: alias went with its key, but it is on %q and %d DeleteKey rows name it", round, bound, deletedWithKey)
			}
		default:
			t.Errorf("round %d: UpdateAlias status %d, body %s", round, update.Status, update.Body)
		}
	}
}

func TestKeyGoneOnceDeleteDatePassed(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithClock(clock.Now))
	keyID := server.createKey(t)
	server.createAlias(t, "alias/expiring", keyID)
	other := server.createKey(t)
	server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"})

	// Past DeleteDate but before the worker runs, the key must already
	// behave as deleted: above all, CancelKeyDeletion cannot bring it back.
	clock.Advance(7*24*time.Hour + time.Second)

	notFound := []map[string]string{
		{"Action": "CancelKeyDeletion", "KeyId": keyID},
		{"Action": "DescribeKey", "KeyId": keyID},
		{"Action": "EnableKey", "KeyId": keyID},
		{"Action": "UpdateKeyDescription", "KeyId": keyID, "Description": "x"},
		{"Action": "ListAliasesByKeyId", "KeyId": keyID},
		{"Action": "CreateAlias", "AliasName": "alias/new", "KeyId": keyID},
	}
	for _, parameters := range notFound {
		expectError(t, server.get(t, parameters), http.StatusNotFound, "Forbidden.KeyNotFound")
	}
	expectError(t, server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": "alias/expiring"}),
		http.StatusNotFound, "Forbidden.AliasNotFound")

	keyIDs, total := server.listKeyIDs(t, map[string]string{})
	if total != "1" || len(keyIDs) != 1 || keyIDs[0] != other {
		t.Errorf("ListKeys = %v (TotalCount %s), want only %s", keyIDs, total, other)
	}

	var state string
	if err := server.pool.QueryRow(context.Background(), `SELECT key_state FROM keys WHERE key_id = $1`, keyID).Scan(&state); err != nil {
		t.Fatalf("read key row: %v", err)
	}
	if state != "PendingDeletion" {
		t.Errorf("row state = %s after the rejected requests, want PendingDeletion", state)
	}
}

func TestDeletionRacesUpdateAliasToExpiringKey(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Now().UTC())
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithClock(clock.Now))

	// Both keys expire, the case in which UpdateAlias and the worker once
	// took their locks in opposite orders. The rounds rarely hit the narrow
	// window of that deadlock, so this checks the outcome, and
	// TestUpdateAliasLocksKeyBeforeAlias checks the lock order itself.
	for round := range 20 {
		expiring, target := server.createKey(t), server.createKey(t)
		name := fmt.Sprintf("alias/both-expiring-%02d", round)
		server.createAlias(t, name, expiring)
		for _, keyID := range []string{expiring, target} {
			server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"})
		}
		clock.Advance(8 * 24 * time.Hour)

		update := raceUpdateAliasWithDeletion(t, server, name, target)
		// The target is gone whichever side runs first: the alias either
		// went with its key or the target is already past its DeleteDate.
		switch update.Status {
		case http.StatusNotFound:
			body := update.JSON(t)
			if body["Code"] != "Forbidden.KeyNotFound" && body["Code"] != "Forbidden.AliasNotFound" {
				t.Errorf("round %d: UpdateAlias code %v, want a not-found code", round, body["Code"])
			}
		default:
			t.Errorf("round %d: UpdateAlias status %d, body %s; want 404", round, update.Status, update.Body)
		}
		if bound, exists := server.allAliases(t)[name]; exists {
			t.Errorf("round %d: alias survived on %s although both keys expired", round, bound)
		}
	}
}

func TestUpdateAliasLocksKeyBeforeAlias(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	ctx := context.Background()
	source, target := server.createKey(t), server.createKey(t)
	server.createAlias(t, "alias/lock-order", source)

	// Hold the target key as the deletion worker does, then let UpdateAlias
	// queue behind it.
	worker, err := server.pool.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer func() { _ = worker.Rollback(ctx) }()
	if _, err := worker.Exec(ctx, `SELECT 1 FROM keys WHERE key_id = $1 FOR UPDATE`, target); err != nil {
		t.Fatalf("lock target key: %v", err)
	}

	done := make(chan response, 1)
	go func() {
		done <- server.get(t, map[string]string{"Action": "UpdateAlias", "AliasName": "alias/lock-order", "KeyId": target})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		err := server.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatalf("read pg_stat_activity: %v", err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("UpdateAlias never waited for the key lock")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// While UpdateAlias waits for the key, the worker must still be able to
	// lock the alias, as it does when it deletes a key's aliases. Had
	// UpdateAlias locked the alias first, the two would deadlock here.
	if _, err := worker.Exec(ctx, `SELECT 1 FROM aliases WHERE alias_name = 'alias/lock-order' FOR UPDATE NOWAIT`); err != nil {
		t.Errorf("alias already locked while UpdateAlias waits for the key: %v", err)
	}
	if err := worker.Rollback(ctx); err != nil {
		t.Fatalf("roll back: %v", err)
	}

	if reply := <-done; reply.Status != http.StatusOK {
		t.Errorf("UpdateAlias after the lock was released: status %d, body %s", reply.Status, reply.Body)
	}
}
