package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kmsv3 "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"kmsmeta/internal/pgtest"
	"kmsmeta/internal/signature"
)

// Master keys for tests, base64 of 32 bytes each.
const (
	testMasterKey  = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	otherMasterKey = "HxwdHhscGxoZGBcWFRQTEhEQDw4NDAsKCQgHBgUEAwI="
)

const (
	accountA = "1540355698848459"
	accountB = "1000000000000002"

	bootstrapKeyID  = "LTAIbootstrapCompose01"
	bootstrapSecret = "bootstrap-secret/+=0123456789"
)

// runCommand runs kmsmeta with args and env and returns what it printed.
func runCommand(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr, func(name string) string { return env[name] })
	return stdout.String(), stderr.String(), err
}

// createdKey is the JSON output of "accesskey create --output json".
type createdKey struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	AccountID       string `json:"AccountId"`
}

func createAccessKeyCommand(t *testing.T, env map[string]string, args ...string) createdKey {
	t.Helper()
	stdout, stderr, err := runCommand(t, env, append([]string{"accesskey", "create", "--output", "json"}, args...)...)
	if err != nil {
		t.Fatalf("accesskey create: %v\n%s", err, stderr)
	}
	var created createdKey
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatalf("accesskey create printed %q, want JSON: %v", stdout, err)
	}
	return created
}

// signedGet returns the URL of a V1 GET request signed with the key.
func signedGet(baseURL, accessKeyID, secret string, parameters map[string]string) string {
	signed := map[string]string{
		"Version": "2016-01-20", "Format": "JSON", "AccessKeyId": accessKeyID, "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "SignatureNonce": uuid.NewString(),
		"Timestamp": time.Now().UTC().Format(signature.TimestampLayout),
	}
	for name, value := range parameters {
		signed[name] = value
	}
	signed["Signature"] = signature.SignV1(http.MethodGet, signed, secret)

	query := url.Values{}
	for name, value := range signed {
		query.Set(name, value)
	}
	return baseURL + "?" + query.Encode()
}

// fetch sends a GET request and returns the status and body.
func fetch(t *testing.T, client *http.Client, target string) (int, string) {
	t.Helper()
	reply, err := client.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer reply.Body.Close()
	body, err := io.ReadAll(reply.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return reply.StatusCode, string(body)
}

// expectNoSecretInTables fails when any row of any table, as text, contains
// one of the secrets.
func expectNoSecretInTables(t *testing.T, databaseURL string, secrets ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), databaseURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())

	rows, err := conn.Query(context.Background(), `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read table names: %v", err)
	}
	for _, table := range tables {
		rows, err := conn.Query(context.Background(), "SELECT t::text FROM "+pgx.Identifier{table}.Sanitize()+" AS t")
		if err != nil {
			t.Fatalf("read table %s: %v", table, err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("read rows of %s: %v", table, err)
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("table %s holds a secret in readable form", table)
				}
			}
		}
	}
}

func TestAccessKeyCommands(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)
	env := map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": testMasterKey}

	stdout, _, err := runCommand(t, env, "accesskey", "create", "--account", accountA, "--output", "json")
	if err != nil {
		t.Fatalf("accesskey create --output json: %v", err)
	}
	jsonForm := regexp.MustCompile(`^\{"AccessKeyId": "(LTAI[A-Za-z0-9]{20})", "AccessKeySecret": "([A-Za-z0-9]{30})", "AccountId": "` + accountA + `"\}\n$`)
	match := jsonForm.FindStringSubmatch(stdout)
	if match == nil {
		t.Fatalf("accesskey create --output json printed %q, want exactly one JSON object of AccessKeyId, AccessKeySecret and AccountId", stdout)
	}
	first, firstSecret := match[1], match[2]

	stdout, stderr, err := runCommand(t, env, "accesskey", "create", "--account", accountB)
	if err != nil {
		t.Fatalf("accesskey create: %v", err)
	}
	textForm := regexp.MustCompile(`^AccessKeyId: +(LTAI\w{20})\nAccessKeySecret: +(\w{30})\nAccountId: +` + accountB + `\n$`)
	match = textForm.FindStringSubmatch(stdout)
	if match == nil {
		t.Fatalf("accesskey create printed %q, want the text form", stdout)
	}
	second, secondSecret := match[1], match[2]
	if !strings.Contains(stderr, "shown only this once") {
		t.Errorf("accesskey create did not warn that the secret is shown once; stderr %q", stderr)
	}

	stdout, _, err = runCommand(t, env, "accesskey", "list", "--account", accountA)
	if err != nil {
		t.Fatalf("accesskey list: %v", err)
	}
	if !regexp.MustCompile(first + ` +` + accountA + ` +Enabled +\d{4}-`).MatchString(stdout) {
		t.Errorf("accesskey list --account A printed %q, want %s enabled", stdout, first)
	}
	if strings.Contains(stdout, second) {
		t.Errorf("accesskey list --account A lists the other account's key %s", second)
	}

	// Flags may follow the access key ID.
	stdout, _, err = runCommand(t, nil, "accesskey", "disable", second, "--database-url", databaseURL)
	if err != nil {
		t.Fatalf("accesskey disable: %v", err)
	}
	if !strings.Contains(stdout, "access key "+second+" disabled") {
		t.Errorf("accesskey disable printed %q", stdout)
	}

	stdout, _, err = runCommand(t, env, "accesskey", "list", "--output", "json")
	if err != nil {
		t.Fatalf("accesskey list --output json: %v", err)
	}
	var listed []map[string]string
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("accesskey list --output json printed %q: %v", stdout, err)
	}
	statuses := map[string]string{}
	for _, entry := range listed {
		statuses[entry["AccessKeyId"]] = entry["Status"]
	}
	if statuses[first] != "Enabled" || statuses[second] != "Disabled" {
		t.Errorf("statuses = %v, want %s Enabled and %s Disabled", statuses, first, second)
	}

	for _, step := range [][]string{{"enable", second}, {"delete", first}} {
		stdout, _, err := runCommand(t, env, "accesskey", step[0], step[1])
		if err != nil {
			t.Fatalf("accesskey %s: %v", step[0], err)
		}
		if !strings.Contains(stdout, step[1]) {
			t.Errorf("accesskey %s printed %q, want the access key ID", step[0], stdout)
		}
	}
	stdout, _, err = runCommand(t, env, "accesskey", "list")
	if err != nil {
		t.Fatalf("accesskey list: %v", err)
	}
	if strings.Contains(stdout, first) || !regexp.MustCompile(second+` +`+accountB+` +Enabled`).MatchString(stdout) {
		t.Errorf("accesskey list after enable and delete printed %q, want only %s, enabled", stdout, second)
	}

	if _, _, err := runCommand(t, env, "accesskey", "delete", first); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("accesskey delete of a deleted key: %v, want a not-found error", err)
	}
	for _, output := range []string{stdout} {
		if strings.Contains(output, firstSecret) || strings.Contains(output, secondSecret) {
			t.Errorf("accesskey list printed a secret")
		}
	}
	expectNoSecretInTables(t, databaseURL, firstSecret, secondSecret)
}

func TestAccessKeyCommandErrors(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)
	env := map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": testMasterKey}
	noKey := map[string]string{"KMSMETA_DATABASE_URL": databaseURL}
	keyFile := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(keyFile, []byte(testMasterKey+"\n"), 0o600); err != nil {
		t.Fatalf("write master key file: %v", err)
	}

	// The first create stores the master key check value.
	createAccessKeyCommand(t, env, "--account", accountA)

	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no command", env, []string{"accesskey"}, "invalid command line"},
		{"unknown command", env, []string{"accesskey", "rotate"}, `unknown accesskey command "rotate"`},
		{"no account", env, []string{"accesskey", "create"}, "missing --account"},
		{"short account", env, []string{"accesskey", "create", "--account", "12345"}, `invalid account ID "12345"`},
		{"no master key", noKey, []string{"accesskey", "create", "--account", accountA}, "missing master key"},
		{"invalid master key", map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": "c2hvcnQ="},
			[]string{"accesskey", "create", "--account", accountA}, "invalid master key"},
		{"other master key", map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": otherMasterKey},
			[]string{"accesskey", "create", "--account", accountA}, "master key does not match"},
		{"two master keys", env, []string{"accesskey", "create", "--account", accountA, "--master-key-file", keyFile}, "set only one"},
		{"missing key file", noKey, []string{"accesskey", "create", "--account", accountA, "--master-key-file", keyFile + ".missing"}, "master key file"},
		{"unknown output", env, []string{"accesskey", "create", "--account", accountA, "--output", "yaml"}, `invalid --output "yaml"`},
		{"list argument", env, []string{"accesskey", "list", "extra"}, `unexpected argument "extra"`},
		{"disable without ID", env, []string{"accesskey", "disable"}, "exactly one access key ID"},
		{"disable two IDs", env, []string{"accesskey", "disable", "a", "b"}, "exactly one access key ID"},
		{"enable unknown ID", env, []string{"accesskey", "enable", "LTAInone"}, `access key not found: "LTAInone"`},
		{"unknown flag", env, []string{"accesskey", "list", "--no-such-flag"}, "invalid command line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCommand(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}

	// A master key given as a file works like the variable.
	createAccessKeyCommand(t, noKey, "--account", accountA, "--master-key-file", keyFile)
	stdout, _, err := runCommand(t, env, "accesskey", "list", "--output", "json")
	if err != nil {
		t.Fatalf("accesskey list: %v", err)
	}
	var listed []map[string]string
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("accesskey list printed %q: %v", stdout, err)
	}
	if len(listed) != 2 {
		t.Errorf("%d access keys stored, want the 2 created; the rejected commands must create none", len(listed))
	}
}

func TestServeFlagsAuthentication(t *testing.T) {
	t.Parallel()
	envOf := func(env map[string]string) func(string) string {
		return func(name string) string { return env[name] }
	}

	config, err := parseServeFlags(nil, io.Discard, envOf(nil))
	if err != nil {
		t.Fatalf("parse defaults: %v", err)
	}
	if config.auth != "signature" {
		t.Errorf("default --auth = %q, want signature", config.auth)
	}
	if config.masterKey.devFile != filepath.Join("./kmsmeta-data", "master.key") {
		t.Errorf("development master key file = %q, want master.key in the data directory", config.masterKey.devFile)
	}
	if _, err := parseServeFlags([]string{"--auth", "none", "--database-url", "postgres://127.0.0.1/x"}, io.Discard, envOf(nil)); err != nil {
		t.Errorf("--auth none with a database URL and no master key: %v, want no error", err)
	}

	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no master key", []string{"--database-url", "postgres://127.0.0.1/x"}, nil, "missing master key"},
		{"two master keys", []string{"--master-key-file", "/k"}, map[string]string{"KMSMETA_MASTER_KEY": testMasterKey}, "set only one"},
		{"certificate without key", []string{"--tls-cert-file", "cert.pem"}, nil, "--tls-cert-file and --tls-key-file"},
		{"key without certificate", []string{"--tls-key-file", "key.pem"}, nil, "--tls-cert-file and --tls-key-file"},
		{"negative cache TTL", []string{"--access-key-cache-ttl", "-1s"}, nil, "invalid --access-key-cache-ttl"},
		{"long cache TTL", []string{"--access-key-cache-ttl", "11m"}, nil, "invalid --access-key-cache-ttl"},
		{"partial bootstrap", nil, map[string]string{"KMSMETA_BOOTSTRAP_ACCOUNT": accountA}, "KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET is not set"},
		{"bootstrap without master key", []string{"--auth", "none", "--database-url", "postgres://127.0.0.1/x"}, map[string]string{
			"KMSMETA_BOOTSTRAP_ACCOUNT": accountA, "KMSMETA_BOOTSTRAP_ACCESS_KEY_ID": bootstrapKeyID,
			"KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET": bootstrapSecret,
		}, "missing master key"},
	}
	for _, tc := range cases {
		_, err := parseServeFlags(tc.args, io.Discard, envOf(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: parseServeFlags = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestServeSignedEndToEnd runs serve as a container would: database URL,
// master key and bootstrap access key from the environment, signatures on.
func TestServeSignedEndToEnd(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)
	env := map[string]string{
		"KMSMETA_DATABASE_URL":                databaseURL,
		"KMSMETA_MASTER_KEY":                  testMasterKey,
		"KMSMETA_BOOTSTRAP_ACCOUNT":           accountA,
		"KMSMETA_BOOTSTRAP_ACCESS_KEY_ID":     bootstrapKeyID,
		"KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET": bootstrapSecret,
	}

	baseURL, logs, stop := startServe(t, []string{"--access-key-cache-ttl", "1s"}, env)
	if !strings.Contains(logs.String(), "created the bootstrap access key") {
		t.Errorf("log does not record the bootstrap access key:\n%s", logs)
	}
	if strings.Contains(logs.String(), "not authenticated") {
		t.Errorf("log warns that requests are not authenticated, but signatures are on by default:\n%s", logs)
	}

	status, body := callAPI(t, baseURL, map[string]string{"Action": "CreateKey"})
	if status != http.StatusBadRequest || !strings.Contains(body, `"Code":"MissingParameter"`) || !strings.Contains(body, `AccessKeyId`) {
		t.Errorf("unsigned CreateKey: status %d, body %s; want 400 MissingParameter naming AccessKeyId", status, body)
	}

	signedCreate := signedGet(baseURL, bootstrapKeyID, bootstrapSecret, map[string]string{"Action": "CreateKey", "Description": "end to end"})
	status, body = fetch(t, http.DefaultClient, signedCreate)
	if status != http.StatusOK || !strings.Contains(body, `"Creator":"`+accountA+`"`) {
		t.Fatalf("signed CreateKey: status %d, body %s", status, body)
	}
	keyID := keyIDField.FindStringSubmatch(body)[1]

	// A key created by the command while serve runs works at once; it
	// cannot see the bootstrap account's key.
	other := createAccessKeyCommand(t, env, "--account", accountB)
	status, body = fetch(t, http.DefaultClient, signedGet(baseURL, other.AccessKeyID, other.AccessKeySecret, map[string]string{"Action": "DescribeKey", "KeyId": keyID}))
	if status != http.StatusNotFound || !strings.Contains(body, "Forbidden.KeyNotFound") {
		t.Errorf("DescribeKey of another account's key: status %d, body %s; want 404 Forbidden.KeyNotFound", status, body)
	}
	status, body = fetch(t, http.DefaultClient, signedGet(baseURL, bootstrapKeyID, "wrong-secret-0123456789", map[string]string{"Action": "CreateKey"}))
	if status != http.StatusBadRequest || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("CreateKey with a wrong secret: status %d, body %s", status, body)
	}

	// The command disables the key; serve notices within its 1 s cache TTL.
	if _, stderr, err := runCommand(t, env, "accesskey", "disable", other.AccessKeyID); err != nil {
		t.Fatalf("accesskey disable: %v\n%s", err, stderr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, body = fetch(t, http.DefaultClient, signedGet(baseURL, other.AccessKeyID, other.AccessKeySecret, map[string]string{"Action": "CreateKey"}))
		if status == http.StatusBadRequest && strings.Contains(body, "InvalidAccessKeyId.Inactive") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the disabled access key still works after 5 s: status %d, body %s", status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The nonce store survives a restart: the first request replayed to the
	// new process is rejected.
	if err := stop(); err != nil {
		t.Fatalf("stop serve: %v", err)
	}
	restartedURL, restartLogs, _ := startServe(t, nil, env)
	if !strings.Contains(restartLogs.String(), "bootstrap access key exists") {
		t.Errorf("second start does not report the existing bootstrap key:\n%s", restartLogs)
	}
	replay := strings.Replace(signedCreate, baseURL, restartedURL, 1)
	status, body = fetch(t, http.DefaultClient, replay)
	if status != http.StatusBadRequest || !strings.Contains(body, "SignatureNonceUsed") {
		t.Errorf("replay after a restart: status %d, body %s; want 400 SignatureNonceUsed", status, body)
	}

	for name, secret := range map[string]string{"bootstrap secret": bootstrapSecret, "created secret": other.AccessKeySecret, "master key": testMasterKey} {
		if strings.Contains(logs.String()+restartLogs.String(), secret) {
			t.Errorf("a log line contains the %s", name)
		}
	}
	expectNoSecretInTables(t, databaseURL, bootstrapSecret, other.AccessKeySecret, testMasterKey)
}

func TestServeWrongMasterKey(t *testing.T) {
	t.Parallel()
	databaseURL := pgtest.NewEmptyDatabaseURL(t)
	createAccessKeyCommand(t, map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": testMasterKey}, "--account", accountA)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := map[string]string{"KMSMETA_DATABASE_URL": databaseURL, "KMSMETA_MASTER_KEY": otherMasterKey}
	err := run(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, io.Discard, io.Discard, func(name string) string { return env[name] })
	if err == nil || !strings.Contains(err.Error(), "master key does not match") {
		t.Errorf("serve with another master key = %v, want a mismatch error at start", err)
	}
	if err != nil && strings.Contains(err.Error(), otherMasterKey) {
		t.Errorf("the error quotes the master key")
	}
}

// writeTestCertificate writes a self-signed certificate for 127.0.0.1 and
// its key, and returns the file paths and the certificate PEM.
func writeTestCertificate(t *testing.T) (string, string, []byte) {
	t.Helper()
	privateKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kmsmeta test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &privateKey.PublicKey, privateKey)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(privateKey)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}

	dir := t.TempDir()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatalf("write certificate: %v", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
	return certFile, keyFile, certPEM
}

// TestServeTLS serves HTTPS and drives it with kms-20160120/v3 over HTTPS,
// which is that SDK's default protocol, trusting the test certificate.
func TestServeTLS(t *testing.T) {
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(name, "")
	}
	certFile, keyFile, certPEM := writeTestCertificate(t)
	env := map[string]string{
		"KMSMETA_DATABASE_URL":                pgtest.NewEmptyDatabaseURL(t),
		"KMSMETA_MASTER_KEY":                  testMasterKey,
		"KMSMETA_BOOTSTRAP_ACCOUNT":           accountA,
		"KMSMETA_BOOTSTRAP_ACCESS_KEY_ID":     bootstrapKeyID,
		"KMSMETA_BOOTSTRAP_ACCESS_KEY_SECRET": bootstrapSecret,
	}
	baseURL, _, _ := startServe(t, []string{"--tls-cert-file", certFile, "--tls-key-file", keyFile}, env)
	host := strings.TrimSuffix(strings.TrimPrefix(baseURL, "http://"), "/")

	client, err := kmsv3.NewClient(&openapi.Config{
		AccessKeyId:     tea.String(bootstrapKeyID),
		AccessKeySecret: tea.String(bootstrapSecret),
		RegionId:        tea.String("cn-hangzhou"),
		Endpoint:        tea.String(host),
		Ca:              tea.String(string(certPEM)),
	})
	if err != nil {
		t.Fatalf("kms-20160120/v3 NewClient: %v", err)
	}
	reply, err := client.CreateKey(&kmsv3.CreateKeyRequest{Description: tea.String("over HTTPS * ~ + % = & / 中文")})
	if err != nil {
		t.Fatalf("CreateKey over HTTPS: %v", err)
	}
	if got := tea.StringValue(reply.Body.KeyMetadata.Description); got != "over HTTPS * ~ + % = & / 中文" {
		t.Errorf("CreateKey over HTTPS returned Description %q", got)
	}
	if got := tea.StringValue(reply.Body.KeyMetadata.Creator); got != accountA {
		t.Errorf("CreateKey over HTTPS returned Creator %q, want the bootstrap account %s", got, accountA)
	}

	// The same port does not speak plain HTTP.
	status, _ := fetch(t, http.DefaultClient, "http://"+host+"/healthz")
	if status != http.StatusBadRequest {
		t.Errorf("plain HTTP to the HTTPS port: status %d, want 400", status)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	httpsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if status, body := fetch(t, httpsClient, "https://"+host+"/healthz"); status != http.StatusOK {
		t.Errorf("HTTPS /healthz: status %d, body %s", status, body)
	}
}

func TestServeTLSInvalidFiles(t *testing.T) {
	t.Parallel()
	certFile, _, _ := writeTestCertificate(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The certificate file as key file is no private key.
	err := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--auth", "none", "--database-url", "postgres://127.0.0.1:1/x",
		"--tls-cert-file", certFile, "--tls-key-file", certFile}, io.Discard, io.Discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "load TLS certificate") {
		t.Errorf("serve with an invalid TLS key = %v, want a load error before any database is opened", err)
	}
}

// TestServeDevelopmentDefaultSigned runs serve on the development default
// with signatures on, creates an access key with the command while serve
// runs, and uses it.
func TestServeDevelopmentDefaultSigned(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp("", "kmsmeta-devsigned-")
	if err != nil {
		t.Fatalf("create data dir: %v", err)
	}
	// The private PostgreSQL may run as the postgres user, which must be
	// able to enter the directory.
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatalf("chmod data dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dataDir) })

	baseURL, _, stop := startServe(t, []string{"--data-dir", dataDir}, nil)
	info, err := os.Stat(filepath.Join(dataDir, "master.key"))
	if err != nil {
		t.Fatalf("the development default created no master key file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("master key file mode %o, want 600", mode)
	}

	created := createAccessKeyCommand(t, nil, "--account", accountA, "--data-dir", dataDir)
	for i := range 2 {
		status, body := fetch(t, http.DefaultClient, signedGet(baseURL, created.AccessKeyID, created.AccessKeySecret, map[string]string{"Action": "CreateKey"}))
		if status != http.StatusOK {
			t.Fatalf("signed CreateKey %d with the command's key: status %d, body %s", i+1, status, body)
		}
	}
	if err := stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("stop serve: %v", err)
	}
}

func TestAccessKeyNeedsExistingDevelopmentDatabase(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "never-served")

	var stderr bytes.Buffer
	err := run(context.Background(), []string{"accesskey", "create", "--account", accountA, "--data-dir", dataDir},
		io.Discard, &stderr, func(string) string { return "" })

	if err == nil || !strings.Contains(err.Error(), "no development database") {
		t.Errorf("accesskey create on an empty data directory: error %v, want one saying there is no development database", err)
	}
	if _, statErr := os.Stat(filepath.Join(dataDir, "pgdata")); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("accesskey create made a cluster in %s (stat: %v), want nothing created", dataDir, statErr)
	}
}
