package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
)

// auditRow is one row of audit_events as the tests read it.
type auditRow struct {
	RequestID   string
	AccountID   string
	AccessKeyID *string
	Action      string
	KeyID       *string
	AliasName   *string
	OldValue    map[string]any
	NewValue    map[string]any
}

func (s *apiServer) auditRows(t *testing.T) []auditRow {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `
		SELECT request_id, account_id, access_key_id, action, key_id, alias_name, old_value, new_value
		FROM audit_events ORDER BY event_id`)
	if err != nil {
		t.Fatalf("query audit events: %v", err)
	}
	defer rows.Close()

	var result []auditRow
	for rows.Next() {
		var row auditRow
		var oldValue, newValue []byte
		if err := rows.Scan(&row.RequestID, &row.AccountID, &row.AccessKeyID, &row.Action, &row.KeyID, &row.AliasName, &oldValue, &newValue); err != nil {
			t.Fatalf("scan audit event: %v", err)
		}
		if oldValue != nil {
			if err := json.Unmarshal(oldValue, &row.OldValue); err != nil {
				t.Fatalf("decode old_value %s: %v", oldValue, err)
			}
		}
		if newValue != nil {
			if err := json.Unmarshal(newValue, &row.NewValue); err != nil {
				t.Fatalf("decode new_value %s: %v", newValue, err)
			}
		}
		result = append(result, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read audit events: %v", err)
	}
	return result
}

func deref(value *string) string {
	if value == nil {
		return "<NULL>"
	}
	return *value
}

func TestAuditTrailPerChange(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	created := server.mustCall(t, map[string]string{"Action": "CreateKey", "Description": "first"})
	keyID := created.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	otherKey := server.createKey(t)
	steps := []struct {
		parameters map[string]string
		keyID      string
		aliasName  string
		oldValue   string
		newValue   string
	}{
		{map[string]string{"Action": "CreateAlias", "AliasName": "alias/audited", "KeyId": keyID}, keyID, "alias/audited", `null`, `{"KeyId":"` + keyID + `"}`},
		{map[string]string{"Action": "UpdateAlias", "AliasName": "alias/audited", "KeyId": otherKey}, otherKey, "alias/audited", `{"KeyId":"` + keyID + `"}`, `{"KeyId":"` + otherKey + `"}`},
		{map[string]string{"Action": "DeleteAlias", "AliasName": "alias/audited"}, otherKey, "alias/audited", `{"KeyId":"` + otherKey + `"}`, `null`},
		{map[string]string{"Action": "DisableKey", "KeyId": keyID}, keyID, "", `{"KeyState":"Enabled"}`, `{"KeyState":"Disabled"}`},
		{map[string]string{"Action": "EnableKey", "KeyId": keyID}, keyID, "", `{"KeyState":"Disabled"}`, `{"KeyState":"Enabled"}`},
		{map[string]string{"Action": "UpdateKeyDescription", "KeyId": keyID, "Description": "second"}, keyID, "", `{"Description":"first"}`, `{"Description":"second"}`},
		{map[string]string{"Action": "ScheduleKeyDeletion", "KeyId": keyID, "PendingWindowInDays": "7"}, keyID, "", `{"KeyState":"Enabled"}`, ``},
		{map[string]string{"Action": "CancelKeyDeletion", "KeyId": keyID}, keyID, "", ``, `{"KeyState":"Enabled"}`},
	}
	requestIDs := []string{created.Header.Get("x-acs-request-id"), ""}
	for _, step := range steps {
		reply := server.mustCall(t, step.parameters)
		requestIDs = append(requestIDs, reply.Header.Get("x-acs-request-id"))
	}

	rows := server.auditRows(t)
	if len(rows) != 2+len(steps) {
		t.Fatalf("%d audit rows, want %d (two CreateKey and one per step)", len(rows), 2+len(steps))
	}
	if rows[0].Action != "CreateKey" || deref(rows[0].KeyID) != keyID || rows[0].RequestID != requestIDs[0] {
		t.Errorf("first row = %+v, want CreateKey of %s with request %s", rows[0], keyID, requestIDs[0])
	}
	if rows[0].NewValue["Description"] != "first" || rows[0].OldValue != nil {
		t.Errorf("CreateKey values = %v / %v", rows[0].OldValue, rows[0].NewValue)
	}
	for i, step := range steps {
		row := rows[i+2]
		if row.Action != step.parameters["Action"] {
			t.Errorf("row %d action = %s, want %s", i+2, row.Action, step.parameters["Action"])
		}
		if row.RequestID != requestIDs[i+2] {
			t.Errorf("%s: request_id %s, want the response's %s", row.Action, row.RequestID, requestIDs[i+2])
		}
		if row.AccountID != testAccount {
			t.Errorf("%s: account %s", row.Action, row.AccountID)
		}
		if row.AccessKeyID != nil {
			t.Errorf("%s: access_key_id %s, want NULL for unsigned requests", row.Action, *row.AccessKeyID)
		}
		if deref(row.KeyID) != step.keyID {
			t.Errorf("%s: key_id %s, want %s", row.Action, deref(row.KeyID), step.keyID)
		}
		if step.aliasName == "" && row.AliasName != nil || step.aliasName != "" && deref(row.AliasName) != step.aliasName {
			t.Errorf("%s: alias_name %s, want %q", row.Action, deref(row.AliasName), step.aliasName)
		}
		checkJSON(t, row.Action+" old_value", row.OldValue, step.oldValue)
		checkJSON(t, row.Action+" new_value", row.NewValue, step.newValue)
	}
	if rows[8].NewValue["KeyState"] != "PendingDeletion" || rows[8].NewValue["DeleteDate"] == nil {
		t.Errorf("ScheduleKeyDeletion new_value = %v, want state and DeleteDate", rows[8].NewValue)
	}
	if rows[9].OldValue["KeyState"] != "PendingDeletion" || rows[9].OldValue["DeleteDate"] == nil {
		t.Errorf("CancelKeyDeletion old_value = %v, want state and DeleteDate", rows[9].OldValue)
	}
}

// checkJSON compares a decoded JSON object with the expected text; an empty
// want skips the check.
func checkJSON(t *testing.T, field string, got map[string]any, want string) {
	t.Helper()
	if want == "" {
		return
	}
	encoded, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("encode %s: %v", field, err)
	}
	if string(encoded) != want {
		t.Errorf("%s = %s, want %s", field, encoded, want)
	}
}

func TestAuditTrailSkipsFailures(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/one", keyID)
	before := len(server.auditRows(t))

	failures := []map[string]string{
		{"Action": "CreateAlias", "AliasName": "alias/one", "KeyId": keyID},
		{"Action": "CreateAlias", "AliasName": "alias/two", "KeyId": "key-none"},
		{"Action": "UpdateAlias", "AliasName": "alias/none", "KeyId": keyID},
		{"Action": "DeleteAlias", "AliasName": "alias/none"},
		{"Action": "CancelKeyDeletion", "KeyId": keyID},
		{"Action": "CreateKey", "KeySpec": "nonsense"},
		{"Action": "UpdateKeyDescription", "KeyId": keyID, "Description": string(make([]byte, 0))},
	}
	for _, parameters := range failures {
		if reply := server.get(t, parameters); reply.Status == http.StatusOK {
			t.Fatalf("%v succeeded, want a failure", parameters)
		}
	}
	// A request that changes nothing writes nothing either.
	server.mustCall(t, map[string]string{"Action": "EnableKey", "KeyId": keyID})

	if after := len(server.auditRows(t)); after != before {
		t.Errorf("%d audit rows after failed requests, want %d", after, before)
	}
}

func TestAuditTrailRecordsAccessKey(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), time.Now().UTC())
	creds := server.newAccessKey(t, testAccount)

	created := server.callV1(t, creds, map[string]string{"Action": "CreateKey"})
	if created.Status != http.StatusOK {
		t.Fatalf("signed CreateKey: status %d, body %s", created.Status, created.Body)
	}
	keyID := created.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	aliased := server.callV3(t, creds, "CreateAlias", map[string]string{"AliasName": "alias/signed", "KeyId": keyID})
	if aliased.Status != http.StatusOK {
		t.Fatalf("signed CreateAlias: status %d, body %s", aliased.Status, aliased.Body)
	}

	rows := server.auditRows(t)
	if len(rows) != 2 {
		t.Fatalf("%d audit rows, want 2", len(rows))
	}
	for _, row := range rows {
		if deref(row.AccessKeyID) != creds.id {
			t.Errorf("%s: access_key_id %s, want %s", row.Action, deref(row.AccessKeyID), creds.id)
		}
		if row.AccountID != testAccount {
			t.Errorf("%s: account %s, want the access key's %s", row.Action, row.AccountID, testAccount)
		}
	}
}
