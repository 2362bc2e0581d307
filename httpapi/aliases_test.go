package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"kmsmeta/internal/pgtest"
	"kmsmeta/service"
)

func TestCreateAliasDuplicate(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	otherKeyID := server.createKey(t)
	server.createAlias(t, "alias/taken", keyID)

	reply := server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/taken", "KeyId": otherKeyID})

	body := expectError(t, reply, http.StatusBadRequest, "AliasAlreadyExists")
	if body["Message"] != "AliasName Already Exists." {
		t.Errorf("Message = %q", body["Message"])
	}
	total, _, _, _ := listPage(t, server, otherKeyID, nil)
	if total != 0 {
		t.Errorf("the other key has %d aliases after a rejected create, want 0", total)
	}
}

func TestCreateAliasRace(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	const racers = 12
	statuses := make([]int, racers)
	codes := make([]any, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			reply := server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/raced", "KeyId": keyID})
			statuses[i] = reply.Status
			if reply.Status != http.StatusOK {
				codes[i] = reply.JSON(t)["Code"]
			}
		})
	}
	wg.Wait()

	created := 0
	for i, status := range statuses {
		switch {
		case status == http.StatusOK:
			created++
		case status != http.StatusBadRequest || codes[i] != "AliasAlreadyExists":
			t.Errorf("racer %d: status %d, code %v; want 400 AliasAlreadyExists", i, status, codes[i])
		}
	}
	if created != 1 {
		t.Errorf("%d racers created the alias, want exactly 1", created)
	}
}

func TestCreateAliasNameRules(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	valid := []string{
		"alias/a",
		"alias/" + strings.Repeat("x", 255),
		"alias/A-Z_a-z/0-9",
		"alias/ac",
		"alias/Acs",
		"alias/xacs",
	}
	for _, name := range valid {
		reply := server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": name, "KeyId": keyID})
		if reply.Status != http.StatusOK {
			t.Errorf("CreateAlias %q: status %d, body %s", name, reply.Status, reply.Body)
		}
	}

	invalid := []string{
		"alias/",
		"alias/" + strings.Repeat("x", 256),
		"ExampleAlias",
		"Alias/upper-prefix",
		"alias",
		"/alias/x",
		"alias/acs",
		"alias/acs/ecs",
		"alias/acsx",
		"alias/a.b",
		"alias/a b",
		"alias/a:b",
		"alias/ä",
		"alias/a\tb",
		"alias/a*",
	}
	for _, name := range invalid {
		reply := server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": name, "KeyId": keyID})
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			body := expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
			if message, _ := body["Message"].(string); !strings.Contains(message, "AliasName") {
				t.Errorf("message %q does not name AliasName", message)
			}
		})
	}

	total, _, _, _ := listPage(t, server, keyID, map[string]string{"PageSize": "100"})
	if total != int64(len(valid)) {
		t.Errorf("key has %d aliases, want the %d valid ones only", total, len(valid))
	}
}

func TestCreateAliasNameCheckedBeforeLookup(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	// The key does not exist, but the name error comes first.
	reply := server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/acs/x", "KeyId": "no-such-key"})

	expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
}

func TestCreateAliasErrors(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/existing", keyID)
	keyARN := "acs:kms:" + testRegion + ":" + testAccount + ":key/" + keyID

	cases := []struct {
		name       string
		parameters map[string]string
		status     int
		code       string
	}{
		{"missing AliasName", map[string]string{"KeyId": keyID}, 400, "MissingParameter"},
		{"empty AliasName", map[string]string{"AliasName": "", "KeyId": keyID}, 400, "MissingParameter"},
		{"missing KeyId", map[string]string{"AliasName": "alias/new"}, 400, "MissingParameter"},
		{"unknown key", map[string]string{"AliasName": "alias/new", "KeyId": "08c33a6f-4e0a-4a1b-a3fa-7ddfa1d40000"}, 404, "Forbidden.KeyNotFound"},
		{"ARN of another account", map[string]string{"AliasName": "alias/new", "KeyId": "acs:kms:" + testRegion + ":1234567890123456:key/" + keyID}, 404, "Forbidden.KeyNotFound"},
		{"alias as target", map[string]string{"AliasName": "alias/new", "KeyId": "alias/existing"}, 400, "Unsupported.Alias"},
		{"alias ARN as target", map[string]string{"AliasName": "alias/new", "KeyId": "acs:kms:" + testRegion + ":" + testAccount + ":alias/existing"}, 400, "Unsupported.Alias"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.parameters["Action"] = "CreateAlias"
			reply := server.get(t, tc.parameters)
			expectError(t, reply, tc.status, tc.code)
		})
	}

	// A key ARN works as the target, and the alias is bound to the bare ID.
	server.createAlias(t, "alias/via-arn", keyARN)
	_, _, _, names := listPage(t, server, keyID, nil)
	if strings.Join(names, ",") != "alias/existing,alias/via-arn" {
		t.Errorf("aliases = %v, want alias/existing and alias/via-arn", names)
	}
}

func TestCreateAliasCaseSensitive(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	server.createAlias(t, "alias/Name", keyID)
	server.createAlias(t, "alias/name", keyID)

	total, _, _, _ := listPage(t, server, keyID, nil)
	if total != 2 {
		t.Errorf("TotalCount = %d, want 2 distinct aliases", total)
	}
}

func TestCreateAliasDuplicateBeforeStateAndQuota(t *testing.T) {
	t.Parallel()
	server := startServerOn(t, pgtest.NewPool(t), testAccount, service.WithLimits(service.Limits{MaxAliasesPerAccount: 1}))
	keyID := server.createKey(t)
	server.createAlias(t, "alias/taken", keyID)
	pending := server.keyInState(t, "PendingDeletion")

	// The name is taken, the target key is PendingDeletion and the quota is
	// used up: the duplicate is reported, because lookups come first.
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/taken", "KeyId": pending}),
		http.StatusBadRequest, "AliasAlreadyExists")
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/taken", "KeyId": keyID}),
		http.StatusBadRequest, "AliasAlreadyExists")

	// A free name reaches the state rule, then the quota.
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/free", "KeyId": pending}),
		http.StatusConflict, "Rejected.StateModifiedFailed")
	expectError(t, server.get(t, map[string]string{"Action": "CreateAlias", "AliasName": "alias/free", "KeyId": keyID}),
		http.StatusBadRequest, "Rejected.LimitExceeded")
}
