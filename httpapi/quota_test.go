package httpapi_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"kmsmeta/internal/pgtest"
	"kmsmeta/service"
)

// raceCreates sends count copies of a request at once and returns how many
// succeeded; every other one must be 400 Rejected.LimitExceeded.
func raceCreates(t *testing.T, server *apiServer, count int, parameters func(i int) map[string]string) int {
	t.Helper()
	replies := make([]response, count)
	var wg sync.WaitGroup
	for i := range count {
		wg.Go(func() {
			replies[i] = server.get(t, parameters(i))
		})
	}
	wg.Wait()

	created := 0
	for i, reply := range replies {
		if reply.Status == http.StatusOK {
			created++
			continue
		}
		t.Run(fmt.Sprintf("rejected %d", i), func(t *testing.T) {
			expectError(t, reply, http.StatusBadRequest, "Rejected.LimitExceeded")
		})
	}
	return created
}

func TestKeyQuotaUnderConcurrency(t *testing.T) {
	t.Parallel()
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithLimits(service.Limits{MaxKeysPerAccount: 8}))
	for range 3 {
		server.createKey(t)
	}

	created := raceCreates(t, server, 20, func(int) map[string]string {
		return map[string]string{"Action": "CreateKey"}
	})

	if created != 5 {
		t.Errorf("%d of 20 concurrent creates succeeded against a remaining quota of 5, want exactly 5", created)
	}
	if _, total := server.listKeyIDs(t, map[string]string{}); total != "8" {
		t.Errorf("account has %s keys, want the limit of 8", total)
	}

	// Another account has its own quota.
	other := startServerOn(t, server.pool, "1234567890123456", service.WithLimits(service.Limits{MaxKeysPerAccount: 8}))
	other.createKey(t)
}

func TestAliasQuotaUnderConcurrency(t *testing.T) {
	t.Parallel()
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithLimits(service.Limits{MaxAliasesPerAccount: 6}))
	keyID := server.createKey(t)
	server.createAlias(t, "alias/existing", keyID)

	created := raceCreates(t, server, 20, func(i int) map[string]string {
		return map[string]string{"Action": "CreateAlias", "AliasName": fmt.Sprintf("alias/q%02d", i), "KeyId": keyID}
	})

	if created != 5 {
		t.Errorf("%d of 20 concurrent creates succeeded against a remaining quota of 5, want exactly 5", created)
	}
	if total, _, _, _ := listPage(t, server, keyID, map[string]string{"PageSize": "100"}); total != 6 {
		t.Errorf("key has %d aliases, want the limit of 6", total)
	}

	// Errors that come before the quota check keep their own codes at the limit.
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/existing", "KeyId": "key-none"}),
		http.StatusNotFound, "Forbidden.KeyNotFound")
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "bad name", "KeyId": keyID}),
		http.StatusBadRequest, "InvalidParameter")

	// Moving an alias creates nothing, so it works at the limit.
	server.mustCall(t, map[string]string{"Action": "UpdateAlias", "AliasName": "alias/existing", "KeyId": server.createKey(t)})
}
