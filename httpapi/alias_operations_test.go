package httpapi_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
)

// allAliases pages through ListAliases and returns every alias name with
// the key it is bound to.
func (s *apiServer) allAliases(t *testing.T) map[string]string {
	t.Helper()
	bound := map[string]string{}
	for pageNumber := 1; ; pageNumber++ {
		reply := s.mustCall(t, map[string]string{"Action": "ListAliases", "PageSize": "100", "PageNumber": fmt.Sprint(pageNumber)})
		aliases := reply.JSON(t)["Aliases"].(map[string]any)["Alias"].([]any)
		for _, entry := range aliases {
			alias := entry.(map[string]any)
			name := alias["AliasName"].(string)
			if _, twice := bound[name]; twice {
				t.Errorf("ListAliases shows %s twice", name)
			}
			bound[name] = alias["KeyId"].(string)
		}
		if len(aliases) < 100 {
			return bound
		}
	}
}

func TestUpdateAliasMovesAlias(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	oldKey := server.createKey(t)
	newKey := server.createKey(t)
	server.createAlias(t, "alias/moving", oldKey)

	server.mustCall(t, map[string]string{"Action": "UpdateAlias", "AliasName": "alias/moving", "KeyId": newKey})

	if total, _, _, _ := listPage(t, server, oldKey, nil); total != 0 {
		t.Errorf("old key still lists %d aliases", total)
	}
	if _, _, _, names := listPage(t, server, newKey, nil); strings.Join(names, ",") != "alias/moving" {
		t.Errorf("new key lists %v, want alias/moving", names)
	}
	if bound := server.allAliases(t); len(bound) != 1 || bound["alias/moving"] != newKey {
		t.Errorf("ListAliases = %v, want alias/moving once, on the new key", bound)
	}
	described := server.mustCall(t, map[string]string{"Action": "DescribeKey", "KeyId": "alias/moving"})
	if got := described.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"]; got != newKey {
		t.Errorf("DescribeKey by alias = %v, want the new key %s", got, newKey)
	}
}

func TestUpdateAliasErrors(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/present", keyID)

	cases := []struct {
		name       string
		parameters map[string]string
		status     int
		code       string
	}{
		{"missing AliasName", map[string]string{"KeyId": keyID}, 400, "MissingParameter"},
		{"missing KeyId", map[string]string{"AliasName": "alias/present"}, 400, "MissingParameter"},
		{"invalid name", map[string]string{"AliasName": "present", "KeyId": keyID}, 400, "InvalidParameter"},
		{"reserved name", map[string]string{"AliasName": "alias/acs/kms", "KeyId": keyID}, 400, "InvalidParameter"},
		{"unknown alias", map[string]string{"AliasName": "alias/absent", "KeyId": keyID}, 404, "Forbidden.AliasNotFound"},
		// The alias is looked up before the key, so both missing names the alias.
		{"unknown alias and key", map[string]string{"AliasName": "alias/absent", "KeyId": "key-none"}, 404, "Forbidden.AliasNotFound"},
		{"unknown key", map[string]string{"AliasName": "alias/present", "KeyId": "key-none"}, 404, "Forbidden.KeyNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.parameters["Action"] = "UpdateAlias"
			expectError(t, server.get(t, tc.parameters), tc.status, tc.code)
		})
	}

	if bound := server.allAliases(t); bound["alias/present"] != keyID || len(bound) != 1 {
		t.Errorf("aliases after rejected updates = %v", bound)
	}
}

func TestDeleteAlias(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/doomed", keyID)
	server.createAlias(t, "alias/kept", keyID)

	server.mustCall(t, map[string]string{"Action": "DeleteAlias", "AliasName": "alias/doomed"})

	if _, _, _, names := listPage(t, server, keyID, nil); strings.Join(names, ",") != "alias/kept" {
		t.Errorf("aliases of the key = %v, want alias/kept only", names)
	}
	if state := server.keyState(t, keyID); state != "Enabled" {
		t.Errorf("DeleteAlias changed the key to %s", state)
	}
	expectError(t, server.get(t, map[string]string{"Action": "DeleteAlias", "AliasName": "alias/doomed"}),
		http.StatusNotFound, "Forbidden.AliasNotFound")
	expectError(t, server.get(t, map[string]string{"Action": "DeleteAlias"}), http.StatusBadRequest, "MissingParameter")
	expectError(t, server.get(t, map[string]string{"Action": "DeleteAlias", "AliasName": "alias/a b"}),
		http.StatusBadRequest, "InvalidParameter")

	other := startServerOn(t, server.pool, "1234567890123456")
	expectError(t, other.get(t, map[string]string{"Action": "DeleteAlias", "AliasName": "alias/kept"}),
		http.StatusNotFound, "Forbidden.AliasNotFound")
}

func TestListAliasesPaging(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	first, second := server.createKey(t), server.createKey(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("alias/n%02d", i)
		keyID := first
		if i%2 == 1 {
			keyID = second
		}
		server.createAlias(t, name, keyID)
		want = append(want, name)
	}
	other := startServerOn(t, server.pool, "1234567890123456")
	other.createAlias(t, "alias/other-account", other.createKey(t))

	var seen []string
	for pageNumber := 1; pageNumber <= 3; pageNumber++ {
		reply := server.mustCall(t, map[string]string{"Action": "ListAliases", "PageNumber": fmt.Sprint(pageNumber)})
		body := reply.JSON(t)
		if fmt.Sprint(body["TotalCount"]) != "23" {
			t.Errorf("page %d: TotalCount = %v, want 23", pageNumber, body["TotalCount"])
		}
		for _, entry := range body["Aliases"].(map[string]any)["Alias"].([]any) {
			seen = append(seen, entry.(map[string]any)["AliasName"].(string))
		}
	}
	if !sort.StringsAreSorted(seen) || strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("pages = %v\nwant   %v", seen, want)
	}

	reply := server.mustCall(t, map[string]string{"Action": "ListAliases", "PageSize": "0"})
	if !strings.Contains(string(reply.Body), `"PageSize":0,"TotalCount":23,"Aliases":{"Alias":[]}`) {
		t.Errorf("PageSize 0 body = %s", reply.Body)
	}
	server.mustCall(t, map[string]string{"Action": "ListAliases", "PageSize": "100"})
	for _, value := range []string{"101", "-1", "x"} {
		expectError(t, server.get(t, map[string]string{"Action": "ListAliases", "PageSize": value}), http.StatusBadRequest, "InvalidParameter")
	}
	expectError(t, server.get(t, map[string]string{"Action": "ListAliases", "PageNumber": "0"}), http.StatusBadRequest, "InvalidParameter")
}

func TestAliasUpdateDeleteRace(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	from, to := server.createKey(t), server.createKey(t)

	for round := range 15 {
		name := fmt.Sprintf("alias/race-%d", round)
		server.createAlias(t, name, from)

		var update, remove response
		var wg sync.WaitGroup
		wg.Go(func() {
			update = server.get(t, map[string]string{"Action": "UpdateAlias", "AliasName": name, "KeyId": to})
		})
		wg.Go(func() {
			remove = server.get(t, map[string]string{"Action": "DeleteAlias", "AliasName": name})
		})
		wg.Wait()

		// Either order is a valid serial history: update then delete (both
		// succeed, alias gone) or delete then update (the update finds no
		// alias). Anything else is not.
		if remove.Status != http.StatusOK {
			t.Fatalf("round %d: DeleteAlias status %d, body %s", round, remove.Status, remove.Body)
		}
		if update.Status != http.StatusOK {
			expectError(t, update, http.StatusNotFound, "Forbidden.AliasNotFound")
		}
		if _, exists := server.allAliases(t)[name]; exists {
			t.Errorf("round %d: alias survived its deletion", round)
		}
	}
	if total, _, _, _ := listPage(t, server, to, nil); total != 0 {
		t.Errorf("target key lists %d aliases after all were deleted", total)
	}
}
