package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// keyInState creates a key and brings it into state.
func (s *apiServer) keyInState(t *testing.T, state string) string {
	t.Helper()
	if state == "PendingImport" {
		reply := s.get(t, map[string]string{"Action": "CreateKey", "Origin": "EXTERNAL"})
		if reply.Status != http.StatusOK {
			t.Fatalf("CreateKey EXTERNAL: status %d, body %s", reply.Status, reply.Body)
		}
		return reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	}

	keyID := s.createKey(t)
	switch state {
	case "Disabled":
		s.mustCall(t, map[string]string{"Action": "DisableKey", "KeyId": keyID})
	case "PendingDeletion":
		s.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"})
	}
	return keyID
}

// mustCall sends a request and fails the test unless it succeeds.
func (s *apiServer) mustCall(t *testing.T, parameters map[string]string) response {
	t.Helper()
	reply := s.get(t, parameters)
	if reply.Status != http.StatusOK {
		t.Fatalf("%s: status %d, body %s", parameters["Action"], reply.Status, reply.Body)
	}
	return reply
}

// keyState returns the KeyState that DescribeKey reports.
func (s *apiServer) keyState(t *testing.T, keyID string) string {
	t.Helper()
	reply := s.mustCall(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID})
	return reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyState"].(string)
}

func TestKeyStateTable(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	states := []string{"Enabled", "Disabled", "PendingDeletion", "PendingImport"}

	// The outcome of each action in each state: the state afterwards, or
	// the status and error code.
	type outcome struct {
		state  string
		status int
		code   string
	}
	ok := func(state string) outcome { return outcome{state: state, status: 200} }
	rejected := func(code string) outcome { return outcome{status: 409, code: code} }
	const failed = "Rejected.StateModifiedFailed"

	table := []struct {
		action   string
		extra    map[string]string
		outcomes map[string]outcome
	}{
		{"EnableKey", nil, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Enabled"), "PendingDeletion": rejected(failed), "PendingImport": rejected(failed)}},
		{"DisableKey", nil, map[string]outcome{
			"Enabled": ok("Disabled"), "Disabled": ok("Disabled"), "PendingDeletion": rejected(failed), "PendingImport": rejected(failed)}},
		{"ScheduleKeyDeletion", map[string]string{"PendingWindowInDays": "30"}, map[string]outcome{
			"Enabled": ok("PendingDeletion"), "Disabled": ok("PendingDeletion"), "PendingDeletion": rejected(failed), "PendingImport": ok("PendingDeletion")}},
		{"CancelKeyDeletion", nil, map[string]outcome{
			"Enabled": rejected(failed), "Disabled": rejected(failed), "PendingDeletion": ok("Enabled"), "PendingImport": rejected(failed)}},
		{"CreateAlias", map[string]string{"AliasName": "alias/state-test"}, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Disabled"), "PendingDeletion": rejected(failed), "PendingImport": ok("PendingImport")}},
		{"UpdateAlias", map[string]string{"AliasName": "alias/state-move"}, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Disabled"), "PendingDeletion": rejected("Rejected.PendingDeletion"), "PendingImport": ok("PendingImport")}},
		{"UpdateKeyDescription", map[string]string{"Description": "new text"}, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Disabled"), "PendingDeletion": rejected("Rejected.PendingDeletion"), "PendingImport": ok("PendingImport")}},
		{"DescribeKey", nil, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Disabled"), "PendingDeletion": ok("PendingDeletion"), "PendingImport": ok("PendingImport")}},
		{"ListAliasesByKeyId", nil, map[string]outcome{
			"Enabled": ok("Enabled"), "Disabled": ok("Disabled"), "PendingDeletion": ok("PendingDeletion"), "PendingImport": ok("PendingImport")}},
	}

	for _, row := range table {
		for _, state := range states {
			want := row.outcomes[state]
			t.Run(row.action+"/"+state, func(t *testing.T) {
				keyID := server.keyInState(t, state)
				parameters := map[string]string{"Action": row.action, "KeyId": keyID}
				for name, value := range row.extra {
					parameters[name] = value
				}
				if name, ok := row.extra["AliasName"]; ok {
					// Each run needs its own alias; UpdateAlias moves one
					// that exists on another key.
					name = fmt.Sprintf("%s-%s", name, strings.ToLower(state))
					parameters["AliasName"] = name
					if row.action == "UpdateAlias" {
						server.createAlias(t, name, server.createKey(t))
					}
				}

				reply := server.get(t, parameters)

				if want.status != http.StatusOK {
					expectError(t, reply, want.status, want.code)
				} else if reply.Status != http.StatusOK {
					t.Fatalf("status = %d, want 200; body %s", reply.Status, reply.Body)
				}
				wantState := want.state
				if wantState == "" {
					wantState = state
				}
				if got := server.keyState(t, keyID); got != wantState {
					t.Errorf("state afterwards = %s, want %s", got, wantState)
				}
			})
		}
	}
}

func TestKeyIdFormsPerOperation(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/forms", keyID)
	prefix := "acs:kms:" + testRegion + ":" + testAccount + ":"

	operations := []map[string]string{
		{"Action": "EnableKey"},
		{"Action": "DisableKey"},
		{"Action": "ScheduleKeyDeletion", "PendingWindowInDays": "7"},
		{"Action": "CancelKeyDeletion"},
		{"Action": "UpdateKeyDescription", "Description": "x"},
		{"Action": "CreateAlias", "AliasName": "alias/new-one"},
		{"Action": "UpdateAlias", "AliasName": "alias/forms"},
	}
	for _, operation := range operations {
		for _, form := range []string{"alias/forms", prefix + "alias/forms"} {
			t.Run(operation["Action"]+" "+form, func(t *testing.T) {
				parameters := map[string]string{"KeyId": form}
				for name, value := range operation {
					parameters[name] = value
				}
				expectError(t, server.get(t, parameters), http.StatusBadRequest, "Unsupported.Alias")
			})
		}
		t.Run(operation["Action"]+" foreign ARN", func(t *testing.T) {
			parameters := map[string]string{"KeyId": "acs:kms:" + testRegion + ":1234567890123456:key/" + keyID}
			for name, value := range operation {
				parameters[name] = value
			}
			expectError(t, server.get(t, parameters), http.StatusNotFound, "Forbidden.KeyNotFound")
		})
	}

	// A key ARN works wherever a key ID does.
	server.mustCall(t, map[string]string{"Action": "DisableKey", "KeyId": prefix + "key/" + keyID})
	if state := server.keyState(t, keyID); state != "Disabled" {
		t.Errorf("DisableKey by ARN left state %s", state)
	}
	server.mustCall(t, map[string]string{"Action": "UpdateKeyDescription", "KeyId": prefix + "key/" + keyID, "Description": "by ARN"})
}

func TestKeyOperationsMissingAndUnknown(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	cases := []struct {
		name       string
		parameters map[string]string
		status     int
		code       string
	}{
		{"EnableKey without KeyId", map[string]string{"Action": "EnableKey"}, 400, "MissingParameter"},
		{"DisableKey unknown", map[string]string{"Action": "DisableKey", "KeyId": "key-none"}, 404, "Forbidden.KeyNotFound"},
		{"EnableKey unknown", map[string]string{"Action": "EnableKey", "KeyId": "key-none"}, 404, "Forbidden.KeyNotFound"},
		{"CancelKeyDeletion unknown", map[string]string{"Action": "CancelKeyDeletion", "KeyId": "key-none"}, 404, "Forbidden.KeyNotFound"},
		{"ScheduleKeyDeletion without window", map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID}, 400, "MissingParameter"},
		{"ScheduleKeyDeletion 6 days", map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "6"}, 400, "InvalidParameter"},
		{"ScheduleKeyDeletion 367 days", map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "367"}, 400, "InvalidParameter"},
		{"ScheduleKeyDeletion decimal", map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7.5"}, 400, "InvalidParameter"},
		{"ScheduleKeyDeletion unknown", map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": "key-none", "PendingWindowInDays": "7"}, 404, "Forbidden.KeyNotFound"},
		{"UpdateKeyDescription without text", map[string]string{"Action": "UpdateKeyDescription", "KeyId": keyID}, 400, "MissingParameter"},
		{"UpdateKeyDescription too long", map[string]string{"Action": "UpdateKeyDescription", "KeyId": keyID, "Description": strings.Repeat("a", 8193)}, 400, "InvalidParameter"},
		{"UpdateKeyDescription unknown", map[string]string{"Action": "UpdateKeyDescription", "KeyId": "key-none", "Description": "x"}, 404, "Forbidden.KeyNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, server.get(t, tc.parameters), tc.status, tc.code)
		})
	}

	if state := server.keyState(t, keyID); state != "Enabled" {
		t.Errorf("rejected requests changed the key to %s", state)
	}
}

func TestScheduleKeyDeletionDates(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	before := time.Now().UTC().Truncate(time.Second)
	server.mustCall(t, map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "10"})
	metadata := server.mustCall(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID}).JSON(t)["KeyMetadata"].(map[string]any)

	deleteDate, err := time.Parse("2006-01-02T15:04:05Z", fmt.Sprint(metadata["DeleteDate"]))
	if err != nil {
		t.Fatalf("DeleteDate %v: %v", metadata["DeleteDate"], err)
	}
	if wait := deleteDate.Sub(before); wait < 10*24*time.Hour || wait > 10*24*time.Hour+time.Minute {
		t.Errorf("DeleteDate is %s after the request, want 10 days", wait)
	}

	server.mustCall(t, map[string]string{"Action": "CancelKeyDeletion", "KeyId": keyID})
	metadata = server.mustCall(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID}).JSON(t)["KeyMetadata"].(map[string]any)
	if _, ok := metadata["DeleteDate"]; ok {
		t.Errorf("DeleteDate %v still set after CancelKeyDeletion", metadata["DeleteDate"])
	}
	if metadata["KeyState"] != "Enabled" {
		t.Errorf("state after CancelKeyDeletion = %v, want Enabled", metadata["KeyState"])
	}
}

func TestUpdateKeyDescription(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	server.mustCall(t, map[string]string{"Action": "UpdateKeyDescription", "KeyId": keyID, "Description": "rotated quarterly"})

	metadata := server.mustCall(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID}).JSON(t)["KeyMetadata"].(map[string]any)
	if metadata["Description"] != "rotated quarterly" {
		t.Errorf("Description = %v", metadata["Description"])
	}
}
