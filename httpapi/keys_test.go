package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCreateKeyDefaults(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	reply := server.get(t, map[string]string{"Action": "CreateKey", "Description": "key for tests"})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	metadata := reply.JSON(t)["KeyMetadata"].(map[string]any)
	keyID, _ := metadata["KeyId"].(string)
	if !lowercaseUUID.MatchString(keyID) {
		t.Errorf("KeyId = %q, want a lowercase UUID v4", keyID)
	}
	want := map[string]string{
		"Arn":                "acs:kms:" + testRegion + ":" + testAccount + ":key/" + keyID,
		"KeyState":           "Enabled",
		"KeySpec":            "Aliyun_AES_256",
		"KeyUsage":           "ENCRYPT/DECRYPT",
		"Origin":             "Aliyun_KMS",
		"ProtectionLevel":    "SOFTWARE",
		"Description":        "key for tests",
		"Creator":            testAccount,
		"AutomaticRotation":  "Disabled",
		"DeletionProtection": "Disabled",
	}
	for field, value := range want {
		if metadata[field] != value {
			t.Errorf("%s = %v, want %s", field, metadata[field], value)
		}
	}
	created, err := time.Parse("2006-01-02T15:04:05Z", metadata["CreationDate"].(string))
	if err != nil {
		t.Errorf("CreationDate %v: %v", metadata["CreationDate"], err)
	} else if since := time.Since(created); since < -time.Minute || since > time.Minute {
		t.Errorf("CreationDate %v is not now", created)
	}
	for _, absent := range []string{"DeleteDate", "RotationInterval", "NextRotationDate"} {
		if _, ok := metadata[absent]; ok {
			t.Errorf("%s present for a new key without rotation", absent)
		}
	}
}

func TestCreateKeyParameters(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	reply := server.post(t, map[string]string{
		"Action": "CreateKey", "KeySpec": "RSA_2048", "KeyUsage": "SIGN/VERIFY", "ProtectionLevel": "HSM",
	})
	if reply.Status != http.StatusOK {
		t.Fatalf("RSA key: status %d, body %s", reply.Status, reply.Body)
	}
	metadata := reply.JSON(t)["KeyMetadata"].(map[string]any)
	if metadata["KeySpec"] != "RSA_2048" || metadata["KeyUsage"] != "SIGN/VERIFY" || metadata["ProtectionLevel"] != "HSM" {
		t.Errorf("RSA key metadata = %v", metadata)
	}

	reply = server.get(t, map[string]string{"Action": "CreateKey", "Origin": "EXTERNAL"})
	if reply.Status != http.StatusOK {
		t.Fatalf("external key: status %d, body %s", reply.Status, reply.Body)
	}
	if state := reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyState"]; state != "PendingImport" {
		t.Errorf("EXTERNAL key state = %v, want PendingImport", state)
	}

	reply = server.get(t, map[string]string{"Action": "CreateKey", "EnableAutomaticRotation": "true", "RotationInterval": "365d"})
	if reply.Status != http.StatusOK {
		t.Fatalf("rotating key: status %d, body %s", reply.Status, reply.Body)
	}
	metadata = reply.JSON(t)["KeyMetadata"].(map[string]any)
	if metadata["AutomaticRotation"] != "Enabled" || metadata["RotationInterval"] != "31536000s" {
		t.Errorf("rotation = %v / %v, want Enabled / 31536000s", metadata["AutomaticRotation"], metadata["RotationInterval"])
	}
	if _, ok := metadata["NextRotationDate"].(string); !ok {
		t.Errorf("NextRotationDate missing for a rotating key")
	}
}

func TestCreateKeyInvalidParameters(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	cases := []struct {
		name       string
		parameters map[string]string
		parameter  string
		code       string
	}{
		{"unknown KeySpec", map[string]string{"KeySpec": "AES_256"}, "KeySpec", "InvalidParameter"},
		{"KeySpec in lowercase", map[string]string{"KeySpec": "aliyun_aes_256"}, "KeySpec", "InvalidParameter"},
		{"usage not allowed", map[string]string{"KeySpec": "EC_P256"}, "KeyUsage", "InvalidParameter"},
		{"unknown KeyUsage", map[string]string{"KeyUsage": "ENCRYPT"}, "KeyUsage", "InvalidParameter"},
		{"unknown Origin", map[string]string{"Origin": "AWS"}, "Origin", "InvalidParameter"},
		{"external asymmetric", map[string]string{"Origin": "EXTERNAL", "KeySpec": "RSA_2048"}, "Origin", "InvalidParameter"},
		{"unknown ProtectionLevel", map[string]string{"ProtectionLevel": "CLOUD"}, "ProtectionLevel", "InvalidParameter"},
		{"long Description", map[string]string{"Description": strings.Repeat("é", 8193)}, "Description", "InvalidParameter"},
		{"rotation flag", map[string]string{"EnableAutomaticRotation": "yes"}, "EnableAutomaticRotation", "InvalidParameter"},
		{"rotation without interval", map[string]string{"EnableAutomaticRotation": "true"}, "RotationInterval", "MissingParameter"},
		{"interval too short", map[string]string{"EnableAutomaticRotation": "true", "RotationInterval": "6d"}, "RotationInterval", "InvalidParameter"},
		{"interval too long", map[string]string{"EnableAutomaticRotation": "true", "RotationInterval": "731d"}, "RotationInterval", "InvalidParameter"},
		{"interval format", map[string]string{"EnableAutomaticRotation": "true", "RotationInterval": "1y"}, "RotationInterval", "InvalidParameter"},
		{"interval without rotation", map[string]string{"RotationInterval": "30d"}, "RotationInterval", "InvalidParameter"},
		{"rotation of asymmetric", map[string]string{"KeySpec": "RSA_2048", "EnableAutomaticRotation": "true", "RotationInterval": "30d"}, "EnableAutomaticRotation", "InvalidParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.parameters["Action"] = "CreateKey"
			reply := server.post(t, tc.parameters)
			body := expectError(t, reply, http.StatusBadRequest, tc.code)
			if message, _ := body["Message"].(string); !strings.Contains(message, tc.parameter) {
				t.Errorf("message %q does not name %s", message, tc.parameter)
			}
		})
	}

	var count int
	if err := server.pool.QueryRow(t.Context(), "SELECT count(*) FROM keys").Scan(&count); err != nil {
		t.Fatalf("count keys: %v", err)
	}
	if count != 0 {
		t.Errorf("%d keys stored after rejected creates, want 0", count)
	}
}

func TestCreateKeyLongDescription(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	description := strings.Repeat("字", 8192)

	reply := server.post(t, map[string]string{"Action": "CreateKey", "Description": description})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %.200s", reply.Status, reply.Body)
	}
	keyID := reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	described := server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": keyID})
	if got := described.JSON(t)["KeyMetadata"].(map[string]any)["Description"]; got != description {
		t.Errorf("stored description differs from the one sent (%d characters)", len([]rune(description)))
	}
}

func TestDescribeKeyForms(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/described", keyID)
	prefix := "acs:kms:" + testRegion + ":" + testAccount + ":"

	for _, form := range []string{keyID, prefix + "key/" + keyID, "alias/described", prefix + "alias/described"} {
		t.Run(form, func(t *testing.T) {
			reply := server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": form})
			if reply.Status != http.StatusOK {
				t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
			}
			metadata := reply.JSON(t)["KeyMetadata"].(map[string]any)
			if metadata["KeyId"] != keyID {
				t.Errorf("KeyId = %v, want the bare %s", metadata["KeyId"], keyID)
			}
			if metadata["Arn"] != prefix+"key/"+keyID {
				t.Errorf("Arn = %v", metadata["Arn"])
			}
		})
	}
}

func TestDescribeKeyErrors(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	other := startServerOn(t, server.pool, "1234567890123456")

	cases := []struct {
		name   string
		server *apiServer
		keyID  string
		status int
		code   string
	}{
		{"missing", server, "", 400, "MissingParameter"},
		{"unknown key", server, "key-doesnotexist", 404, "Forbidden.KeyNotFound"},
		{"another account", other, keyID, 404, "Forbidden.KeyNotFound"},
		{"missing alias", server, "alias/none", 404, "Forbidden.AliasNotFound"},
		{"alias ARN of another account", server, "acs:kms:" + testRegion + ":1234567890123456:alias/none", 404, "Forbidden.AliasNotFound"},
		{"key ARN of another region", server, "acs:kms:cn-beijing:" + testAccount + ":key/" + keyID, 404, "Forbidden.KeyNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := tc.server.get(t, map[string]string{"Action": "DescribeKey", "KeyId": tc.keyID})
			expectError(t, reply, tc.status, tc.code)
		})
	}
}
