package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// listKeyIDs returns the key IDs of one ListKeys page and its TotalCount.
func (s *apiServer) listKeyIDs(t *testing.T, parameters map[string]string) ([]string, string) {
	t.Helper()
	parameters["Action"] = "ListKeys"
	body := s.mustCall(t, parameters).JSON(t)

	var keyIDs []string
	for _, entry := range body["Keys"].(map[string]any)["Key"].([]any) {
		key := entry.(map[string]any)
		keyID := key["KeyId"].(string)
		if key["KeyArn"] != "acs:kms:"+testRegion+":"+s.Account+":key/"+keyID {
			t.Errorf("KeyArn of %s = %v", keyID, key["KeyArn"])
		}
		keyIDs = append(keyIDs, keyID)
	}
	return keyIDs, fmt.Sprint(body["TotalCount"])
}

func TestListKeysPaging(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	var created []string
	for range 12 {
		created = append(created, server.createKey(t))
	}
	other := startServerOn(t, server.pool, "1234567890123456")
	other.createKey(t)

	firstPage, total := server.listKeyIDs(t, map[string]string{"PageSize": "5"})
	if total != "12" || len(firstPage) != 5 {
		t.Errorf("page 1: %d keys, TotalCount %s; want 5 and 12", len(firstPage), total)
	}
	var all []string
	for pageNumber := 1; pageNumber <= 3; pageNumber++ {
		keyIDs, _ := server.listKeyIDs(t, map[string]string{"PageSize": "5", "PageNumber": fmt.Sprint(pageNumber)})
		all = append(all, keyIDs...)
	}
	// Keys come oldest first; keys created in one second are ordered by ID,
	// so compare as sets and check that no page repeats a key.
	seen := map[string]bool{}
	for _, keyID := range all {
		if seen[keyID] {
			t.Errorf("key %s on two pages", keyID)
		}
		seen[keyID] = true
	}
	for _, keyID := range created {
		if !seen[keyID] {
			t.Errorf("key %s on no page", keyID)
		}
	}
	if len(all) != 12 {
		t.Errorf("pages hold %d keys, want 12", len(all))
	}

	empty, total := server.listKeyIDs(t, map[string]string{"PageNumber": "9"})
	if len(empty) != 0 || total != "12" {
		t.Errorf("past the end: %d keys, TotalCount %s", len(empty), total)
	}
	reply := server.mustCall(t, map[string]string{"Action": "ListKeys", "PageNumber": "9"})
	if !strings.Contains(string(reply.Body), `"Keys":{"Key":[]}`) {
		t.Errorf("empty page body %s lacks the Keys.Key wrapper", reply.Body)
	}

	for _, value := range []string{"0", "101", "-1", "ten"} {
		expectError(t, server.get(t, map[string]string{"Action": "ListKeys", "PageSize": value}), http.StatusBadRequest, "InvalidParameter")
	}
}

func TestListKeysFilters(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	enabled := server.createKey(t)
	disabled := server.keyInState(t, "Disabled")
	pending := server.keyInState(t, "PendingDeletion")
	rsa := server.mustCall(t, map[string]string{"Action": "CreateKey", "KeySpec": "RSA_2048", "KeyUsage": "SIGN/VERIFY", "ProtectionLevel": "HSM"}).
		JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)

	cases := []struct {
		filters string
		want    []string
	}{
		{`[{"Key":"KeyState","Values":["Enabled"]}]`, []string{enabled, rsa}},
		{`[{"Key":"KeyState","Values":["Disabled","PendingDeletion"]}]`, []string{disabled, pending}},
		{`[{"Key":"KeySpec","Values":["RSA_2048"]}]`, []string{rsa}},
		{`[{"Key":"KeyUsage","Values":["ENCRYPT/DECRYPT"]},{"Key":"KeyState","Values":["Enabled"]}]`, []string{enabled}},
		{`[{"Key":"ProtectionLevel","Values":["HSM"]}]`, []string{rsa}},
		{`[{"Key":"KeyState","Values":["Enabled"]},{"Key":"KeyState","Values":["Disabled"]}]`, nil},
		{`[]`, []string{enabled, disabled, pending, rsa}},
	}
	for _, tc := range cases {
		t.Run(tc.filters, func(t *testing.T) {
			keyIDs, total := server.listKeyIDs(t, map[string]string{"Filters": tc.filters, "PageSize": "100"})
			if total != fmt.Sprint(len(tc.want)) {
				t.Errorf("TotalCount = %s, want %d", total, len(tc.want))
			}
			got := map[string]bool{}
			for _, keyID := range keyIDs {
				got[keyID] = true
			}
			for _, keyID := range tc.want {
				if !got[keyID] {
					t.Errorf("key %s missing from %v", keyID, keyIDs)
				}
			}
			if len(keyIDs) != len(tc.want) {
				t.Errorf("%d keys, want %d", len(keyIDs), len(tc.want))
			}
		})
	}

	tooMany := "[" + strings.Repeat(`{"Key":"KeyState","Values":["Enabled"]},`, 10) + `{"Key":"KeyState","Values":["Enabled"]}]`
	tooManyValues := `[{"Key":"KeyState","Values":["a","b","c","d","e","f","g","h","i","j","k"]}]`
	for _, filters := range []string{
		`not json`, `{"Key":"KeyState"}`, `[{"Key":"Description","Values":["x"]}]`, `[{"Key":"KeyState","Values":[]}]`,
		`[{"Key":"KeyState","Values":["Enabled"],"Extra":1}]`, `[{"Key":"KeyState","Values":"Enabled"}]`, tooMany, tooManyValues,
		`[{"Key":"KeyState","Values":["Enabled"]}] trailing`,
		`[{"Key":"KeyState","Values":["Nope"]}]`, `[{"Key":"KeySpec","Values":["aliyun_aes_256"]}]`,
		`[{"Key":"ProtectionLevel","Values":["SOFTWARE","CLOUD"]}]`,
	} {
		t.Run("invalid "+filters, func(t *testing.T) {
			body := expectError(t, server.get(t, map[string]string{"Action": "ListKeys", "Filters": filters}), http.StatusBadRequest, "InvalidParameter")
			if message, _ := body["Message"].(string); !strings.Contains(message, "Filters") {
				t.Errorf("message %q does not name Filters", message)
			}
		})
	}
}
