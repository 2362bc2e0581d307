package repository

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

func TestTranslateStatementTimeout(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()

	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET statement_timeout = '50ms'"); err != nil {
		t.Fatalf("set statement_timeout: %v", err)
	}

	_, err = conn.Exec(ctx, "SELECT pg_sleep(2)")
	if got := translate(err); !errors.Is(got, ErrUnavailable) {
		t.Errorf("translate(statement timeout) = %v, want ErrUnavailable", got)
	}
}

func TestTranslateCancelledQuery(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()

	_, err := pool.Exec(ctx, "SELECT pg_sleep(2)")
	if got := translate(err); !errors.Is(got, ErrUnavailable) {
		t.Errorf("translate(cancelled query) = %v, want ErrUnavailable", got)
	}
}

func TestTranslateConflictByName(t *testing.T) {
	t.Parallel()
	store := NewStore(pgtest.NewPool(t))
	ctx := context.Background()
	scope := Scope{AccountID: "1540355698848459", RegionID: "cn-hangzhou"}
	if err := store.EnsureAccount(ctx, scope.AccountID); err != nil {
		t.Fatalf("ensure account: %v", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	key, err := store.InsertKey(ctx, scope, NewKey{
		KeyID: "k1", State: "Enabled", Spec: "Aliyun_AES_256", Usage: "ENCRYPT/DECRYPT", Origin: "Aliyun_KMS",
		ProtectionLevel: "SOFTWARE", PrimaryKeyVersion: "v1", CreationDate: now,
	})
	if err != nil {
		t.Fatalf("insert key: %v", err)
	}
	if key.ARN != "acs:kms:cn-hangzhou:1540355698848459:key/k1" {
		t.Errorf("generated ARN = %s", key.ARN)
	}

	if _, err := store.InsertAlias(ctx, scope, "alias/a", "k1"); err != nil {
		t.Fatalf("insert alias: %v", err)
	}
	_, err = store.InsertAlias(ctx, scope, "alias/a", "k1")
	if !IsConflict(err, ConstraintAliasPrimaryKey) {
		t.Errorf("duplicate alias: %v, want a conflict on %s", err, ConstraintAliasPrimaryKey)
	}
	if IsConflict(err, ConstraintAliasKey) {
		t.Errorf("duplicate alias matched %s too", ConstraintAliasKey)
	}

	_, err = store.InsertAlias(ctx, scope, "alias/b", "no-such-key")
	if !IsConflict(err, ConstraintAliasKey) {
		t.Errorf("alias of a missing key: %v, want a conflict on %s", err, ConstraintAliasKey)
	}

	// The schema rejects what the service should have rejected first.
	_, err = store.InsertAlias(ctx, scope, "alias/acs/x", "k1")
	if err == nil || IsConflict(err, ConstraintAliasPrimaryKey) {
		t.Errorf("reserved alias name: %v, want a check violation", err)
	}
}

func TestScopeIsolation(t *testing.T) {
	t.Parallel()
	store := NewStore(pgtest.NewPool(t))
	ctx := context.Background()
	mine := Scope{AccountID: "1540355698848459", RegionID: "cn-hangzhou"}
	otherAccount := Scope{AccountID: "1234567890123456", RegionID: "cn-hangzhou"}
	otherRegion := Scope{AccountID: "1540355698848459", RegionID: "cn-shanghai"}
	if err := store.EnsureAccount(ctx, mine.AccountID); err != nil {
		t.Fatalf("ensure account: %v", err)
	}
	if _, err := store.InsertKey(ctx, mine, NewKey{
		KeyID: "k1", State: "Enabled", Spec: "Aliyun_AES_256", Usage: "ENCRYPT/DECRYPT", Origin: "Aliyun_KMS",
		ProtectionLevel: "SOFTWARE", PrimaryKeyVersion: "v1", CreationDate: time.Now(),
	}); err != nil {
		t.Fatalf("insert key: %v", err)
	}
	if _, err := store.InsertAlias(ctx, mine, "alias/mine", "k1"); err != nil {
		t.Fatalf("insert alias: %v", err)
	}

	for name, scope := range map[string]Scope{"other account": otherAccount, "other region": otherRegion} {
		if _, err := store.GetKey(ctx, scope, "k1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: GetKey = %v, want ErrNotFound", name, err)
		}
		if _, err := store.GetAlias(ctx, scope, "alias/mine"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: GetAlias = %v, want ErrNotFound", name, err)
		}
		if _, err := store.ListAliasesByKeyID(ctx, scope, "k1", time.Now(), 10, 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: ListAliasesByKeyID = %v, want ErrNotFound", name, err)
		}
		if page, err := store.ListAliases(ctx, scope, 10, 0); err != nil || page.TotalCount != 0 {
			t.Errorf("%s: ListAliases = %d aliases, %v; want none", name, page.TotalCount, err)
		}
		if _, err := store.DeleteAlias(ctx, scope, "alias/mine"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: DeleteAlias = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := store.GetAlias(ctx, mine, "alias/mine"); err != nil {
		t.Errorf("own alias after the other scopes' attempts: %v", err)
	}
}
