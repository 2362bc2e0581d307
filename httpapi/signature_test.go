package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
	"kmsmeta/internal/signature"
	"kmsmeta/repository"
	"kmsmeta/service"
)

// serverStart is the server time of tests that do not replay vectors.
var serverStart = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// signatureVector is one request captured from an official client.
type signatureVector struct {
	Description  string              `json:"description"`
	AccessKeyID  string              `json:"accessKeyId"`
	Secret       string              `json:"secret"`
	Method       string              `json:"method"`
	RequestURI   string              `json:"requestURI"`
	Host         string              `json:"host"`
	Headers      map[string][]string `json:"headers"`
	Body         string              `json:"body"`
	StringToSign string              `json:"stringToSign"`
}

// vectorKeyID is the key that every captured request lists the aliases of.
const vectorKeyID = "key-hzz6f1b2c3d4e5f6a7b8c9"

func loadSignatureVectors(t *testing.T) []signatureVector {
	t.Helper()
	data, err := os.ReadFile("../internal/signature/testdata/signature-vectors.json")
	if err != nil {
		t.Fatalf("read signature vectors: %v", err)
	}
	var vectors []signatureVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("decode signature vectors: %v", err)
	}
	return vectors
}

// vectorRequest rebuilds the captured request for server, with the
// captured Host header, so that a V3 signature over host still matches.
func vectorRequest(t *testing.T, server *signingServer, v signatureVector) *http.Request {
	t.Helper()
	request, err := http.NewRequest(v.Method, server.URL+strings.TrimPrefix(v.RequestURI, "/"), strings.NewReader(v.Body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	request.Host = v.Host
	for name, values := range v.Headers {
		if name != "Content-Length" && name != "Accept-Encoding" {
			request.Header[name] = values
		}
	}
	return request
}

// TestSignatureVectorsOverHTTP replays every captured client request
// against a real server whose clock is set to the capture time.
func TestSignatureVectorsOverHTTP(t *testing.T) {
	t.Parallel()
	captured := time.Date(2026, 12, 4, 19, 42, 36, 0, time.UTC)

	for _, v := range loadSignatureVectors(t) {
		t.Run(v.Description, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			server := startSigningServer(t, pool, captured.Add(time.Minute))
			ctx := context.Background()
			scope := repository.Scope{AccountID: testAccount, RegionID: testRegion}
			store := repository.NewStore(pool)
			if err := store.EnsureAccount(ctx, testAccount); err != nil {
				t.Fatalf("create account: %v", err)
			}
			_, err := store.InsertKey(ctx, scope, repository.NewKey{
				KeyID: vectorKeyID, State: "Enabled", Spec: "Aliyun_AES_256", Usage: "ENCRYPT/DECRYPT",
				Origin: "Aliyun_KMS", ProtectionLevel: "SOFTWARE", PrimaryKeyVersion: "v1", CreationDate: captured,
			})
			if err != nil {
				t.Fatalf("insert the vectors' key: %v", err)
			}
			if _, err := store.InsertAlias(ctx, scope, "alias/vector", vectorKeyID); err != nil {
				t.Fatalf("insert alias: %v", err)
			}

			// With another secret stored, the server reports its string to
			// sign, which must be the one the client signed.
			if _, err := server.keys.Import(ctx, testAccount, v.AccessKeyID, "another-secret-0123456789"); err != nil {
				t.Fatalf("import access key with another secret: %v", err)
			}
			reply := doRequest(t, vectorRequest(t, server, v))
			body := expectError(t, reply, http.StatusBadRequest, "SignatureDoesNotMatch")
			want := "Specified signature is not matched with our calculation. server string to sign is:" + v.StringToSign
			if body["Message"] != want {
				t.Errorf("Message = %q, want %q", body["Message"], want)
			}

			// The rejected request did not use up its nonce: with the right
			// secret, the same request succeeds.
			if err := server.keys.Delete(ctx, v.AccessKeyID); err != nil {
				t.Fatalf("delete access key: %v", err)
			}
			if _, err := server.keys.Import(ctx, testAccount, v.AccessKeyID, v.Secret); err != nil {
				t.Fatalf("import access key: %v", err)
			}
			reply = doRequest(t, vectorRequest(t, server, v))
			if reply.Status != http.StatusOK {
				t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
			}
			if !strings.Contains(string(reply.Body), `"AliasName":"alias/vector"`) {
				t.Errorf("body %s does not list the key's alias", reply.Body)
			}

			reply = doRequest(t, vectorRequest(t, server, v))
			expectError(t, reply, http.StatusBadRequest, "SignatureNonceUsed")

			// At the last instant of the window the timestamp still passes,
			// so the nonce record must still be there.
			server.clock.Advance(captured.Add(15 * time.Minute).Sub(server.clock.Now()))
			reply = doRequest(t, vectorRequest(t, server, v))
			expectError(t, reply, http.StatusBadRequest, "SignatureNonceUsed")

			server.clock.Advance(time.Second)
			reply = doRequest(t, vectorRequest(t, server, v))
			expectError(t, reply, http.StatusBadRequest, "InvalidTimeStamp.Expired")
		})
	}
}

// pastWindow is just more than the 15 minutes of accepted clock skew.
const pastWindow = 15*time.Minute + time.Second

func TestSignatureClockSkew(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	creds := server.newAccessKey(t, testAccount)

	for _, tc := range []struct {
		name   string
		offset time.Duration
		status int
		code   string
	}{
		{"15 minutes behind", -15 * time.Minute, http.StatusOK, ""},
		{"15 minutes ahead", 15 * time.Minute, http.StatusOK, ""},
		{"just over 15 minutes behind", -pastWindow, http.StatusBadRequest, "InvalidTimeStamp.Expired"},
		{"just over 15 minutes ahead", pastWindow, http.StatusBadRequest, "InvalidTimeStamp.Expired"},
		{"a day behind", -24 * time.Hour, http.StatusBadRequest, "InvalidTimeStamp.Expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timestamp := serverStart.Add(tc.offset)
			parameters := map[string]string{"Action": "ListAliasesByKeyId", "KeyId": "key-missing"}

			v1 := server.sendParams(t, http.MethodGet, signedV1(http.MethodGet, creds, timestamp, parameters))
			v3 := doRequest(t, server.v3Request(t, creds, timestamp, "ListAliasesByKeyId", map[string]string{"KeyId": "key-missing"}, nil))
			for scheme, reply := range map[string]response{"V1": v1, "V3": v3} {
				if tc.status == http.StatusOK {
					// Authentication passed, so the lookup of the made-up
					// key reports it missing.
					expectError(t, reply, http.StatusNotFound, "Forbidden.KeyNotFound")
					continue
				}
				body := expectError(t, reply, tc.status, tc.code)
				if message, _ := body["Message"].(string); !strings.Contains(message, "2026-06-01T12:00:00Z") {
					t.Errorf("%s: message %q does not name the server time", scheme, message)
				}
			}
		})
	}
}

func TestSignatureTimestampFormat(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	creds := server.newAccessKey(t, testAccount)

	for _, value := range []string{"2026-06-01 12:00:00", "2026-06-01T12:00:00.000Z", "2026-06-01T12:00:00+08:00", "1780315200"} {
		parameters := signedV1(http.MethodGet, creds, serverStart, map[string]string{"Action": "CreateKey"})
		parameters["Timestamp"] = value
		parameters["Signature"] = signature.SignV1(http.MethodGet, parameters, creds.secret)
		expectError(t, server.sendParams(t, http.MethodGet, parameters), http.StatusBadRequest, "InvalidTimeStamp.Format")

		request := server.v3Request(t, creds, serverStart, "CreateKey", nil, func(r *http.Request) {
			r.Header.Set("x-acs-date", value)
		})
		expectError(t, doRequest(t, request), http.StatusBadRequest, "InvalidTimeStamp.Format")
	}
	if keys := countRows(t, server.pool, "keys"); keys != 0 {
		t.Errorf("%d keys created by rejected requests, want 0", keys)
	}
}

// TestSignatureErrors sends one request per error path of authentication
// and checks its status and code, and that no rejected request created a
// key.
func TestSignatureErrors(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	creds := server.newAccessKey(t, testAccount)
	disabled := server.newAccessKey(t, testAccount)
	if _, err := server.keys.SetEnabled(context.Background(), disabled.id, false); err != nil {
		t.Fatalf("disable access key: %v", err)
	}
	now := serverStart
	createKey := map[string]string{"Action": "CreateKey", "Description": "must not be created"}

	withV1 := func(edit func(map[string]string), resign bool) func(*testing.T) response {
		return func(t *testing.T) response {
			parameters := signedV1(http.MethodGet, creds, now, createKey)
			edit(parameters)
			if resign {
				parameters["Signature"] = signature.SignV1(http.MethodGet, parameters, creds.secret)
			}
			return server.sendParams(t, http.MethodGet, parameters)
		}
	}
	withV3 := func(edit func(*http.Request)) func(*testing.T) response {
		return func(t *testing.T) response {
			return doRequest(t, server.v3Request(t, creds, now, "CreateKey", map[string]string{"Description": "x"}, edit))
		}
	}

	cases := []struct {
		name    string
		send    func(*testing.T) response
		status  int
		code    string
		message string
	}{
		{"unsigned request", func(t *testing.T) response {
			return server.get(t, createKey)
		}, 400, "MissingParameter", `"AccessKeyId"`},
		{"V1 without Signature", withV1(func(p map[string]string) { delete(p, "Signature") }, false), 400, "MissingParameter", `"Signature"`},
		{"V1 without SignatureNonce", withV1(func(p map[string]string) { delete(p, "SignatureNonce") }, true), 400, "MissingParameter", `"SignatureNonce"`},
		{"V1 without Timestamp", withV1(func(p map[string]string) { delete(p, "Timestamp") }, true), 400, "MissingParameter", `"Timestamp"`},
		{"V1 with an empty AccessKeyId", withV1(func(p map[string]string) { p["AccessKeyId"] = "" }, true), 400, "MissingParameter", `"AccessKeyId"`},
		{"V1 unknown access key", withV1(func(p map[string]string) { p["AccessKeyId"] = "LTAIunknown0000000000000" }, true),
			404, "InvalidAccessKeyId.NotFound", "The Access Key ID provided does not exist in our records."},
		{"V1 malformed access key", withV1(func(p map[string]string) { p["AccessKeyId"] = "bad id/" }, true),
			404, "InvalidAccessKeyId.NotFound", "does not exist"},
		{"V1 disabled access key", func(t *testing.T) response {
			return server.sendParams(t, http.MethodGet, signedV1(http.MethodGet, disabled, now, createKey))
		}, 400, "InvalidAccessKeyId.Inactive", "disabled"},
		{"V1 wrong secret", func(t *testing.T) response {
			return server.sendParams(t, http.MethodGet, signedV1(http.MethodGet, credentials{creds.id, "wrong-secret"}, now, createKey))
		}, 400, "SignatureDoesNotMatch", "server string to sign is:GET&%2F&AccessKeyId%3D" + creds.id},
		{"V1 signed for POST, sent as GET", func(t *testing.T) response {
			return server.sendParams(t, http.MethodGet, signedV1(http.MethodPost, creds, now, createKey))
		}, 400, "SignatureDoesNotMatch", "server string to sign is:GET&"},
		{"V1 tampered Description", withV1(func(p map[string]string) { p["Description"] = "changed" }, false), 400, "SignatureDoesNotMatch", "Description%3Dchanged"},
		{"V1 added parameter", withV1(func(p map[string]string) { p["KeySpec"] = "RSA_2048" }, false), 400, "SignatureDoesNotMatch", "KeySpec%3DRSA_2048"},
		{"V1 signature not base64", withV1(func(p map[string]string) { p["Signature"] = "***" }, false), 400, "SignatureDoesNotMatch", "server string to sign is:"},
		{"V1 action only in the header", func(t *testing.T) response {
			parameters := signedV1(http.MethodGet, creds, now, map[string]string{"Description": "x"})
			query := ""
			for name, value := range parameters {
				query += "&" + name + "=" + signature.PercentEncode(value)
			}
			return server.do(t, http.MethodGet, server.URL+"?"+query[1:], "", http.Header{"x-acs-action": {"CreateKey"}})
		}, 400, "MissingParameter", `"Action"`},
		{"V1 SecurityToken", withV1(func(p map[string]string) { p["SecurityToken"] = "sts-token" }, true), 400, "InvalidParameter", "temporary credentials"},
		{"V1 SignatureMethod HMAC-SHA256", withV1(func(p map[string]string) { p["SignatureMethod"] = "HMAC-SHA256" }, true), 400, "InvalidParameter", `"SignatureMethod"`},
		{"V1 SignatureVersion 2.0", withV1(func(p map[string]string) { p["SignatureVersion"] = "2.0" }, true), 400, "InvalidParameter", `"SignatureVersion"`},
		{"V3 unknown algorithm", withV3(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", 1))
		}), 400, "IncompleteSignature", "ACS3-HMAC-SM3"},
		{"V3 malformed Authorization", withV3(func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+creds.id)
		}), 400, "IncompleteSignature", "SignedHeaders"},
		{"V3 x-acs-action not signed", withV3(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-acs-action;", "", 1))
		}), 400, "IncompleteSignature", "x-acs-action"},
		{"V3 without x-acs-signature-nonce", withV3(func(r *http.Request) {
			r.Header.Del("x-acs-signature-nonce")
		}), 400, "IncompleteSignature", "x-acs-signature-nonce"},
		{"V3 unknown access key", withV3(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), creds.id, "LTAIunknown0000000000000", 1))
		}), 404, "InvalidAccessKeyId.NotFound", "does not exist"},
		{"V3 wrong secret", func(t *testing.T) response {
			return doRequest(t, server.v3Request(t, credentials{creds.id, "wrong-secret"}, now, "CreateKey", nil, nil))
		}, 400, "SignatureDoesNotMatch", "server string to sign is:ACS3-HMAC-SHA256\n"},
		{"V3 action swapped", withV3(func(r *http.Request) { r.Header.Set("x-acs-action", "DescribeKey") }), 400, "SignatureDoesNotMatch", "server string to sign is:"},
		{"V3 query tampered", withV3(func(r *http.Request) { r.URL.RawQuery = "Description=changed" }), 400, "SignatureDoesNotMatch", "server string to sign is:"},
		{"V3 query parameter added", withV3(func(r *http.Request) { r.URL.RawQuery += "&KeySpec=RSA_2048" }), 400, "SignatureDoesNotMatch", "server string to sign is:"},
		{"V3 body not matching its hash", func(t *testing.T) response {
			request := server.v3Request(t, creds, now, "CreateKey", nil, nil)
			request.Body = io.NopCloser(strings.NewReader("unsigned body"))
			request.ContentLength = int64(len("unsigned body"))
			return doRequest(t, request)
		}, 400, "SignatureDoesNotMatch", "server string to sign is:"},
		{"V3 content-type not signed", func(t *testing.T) response {
			request := server.v3Request(t, creds, now, "CreateKey", nil, nil)
			request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			request.Body = io.NopCloser(strings.NewReader("Description=unsigned"))
			request.ContentLength = int64(len("Description=unsigned"))
			return doRequest(t, request)
		}, 400, "IncompleteSignature", "content-type"},
		{"V3 nonce not UTF-8", func(t *testing.T) response {
			request := server.v3Request(t, credentials{creds.id, creds.secret}, now, "CreateKey", nil, func(r *http.Request) {
				r.Header.Set("x-acs-signature-nonce", "n\xff\xfe")
			})
			// Re-sign, so that only the nonce is at fault.
			request.Header.Del("Authorization")
			if err := signature.SignV3(request, nil, creds.id, creds.secret); err != nil {
				t.Fatalf("sign: %v", err)
			}
			return doRequest(t, request)
		}, 400, "InvalidParameter", `"x-acs-signature-nonce"`},
		{"V3 security token", withV3(func(r *http.Request) { r.Header.Set("x-acs-security-token", "sts") }), 400, "InvalidParameter", "temporary credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := expectError(t, tc.send(t), tc.status, tc.code)
			if message, _ := body["Message"].(string); !strings.Contains(message, tc.message) {
				t.Errorf("Message = %q, want it to contain %q", message, tc.message)
			}
			if message, _ := body["Message"].(string); strings.Contains(message, creds.secret) {
				t.Errorf("Message reveals the access key secret")
			}
		})
	}

	if keys := countRows(t, server.pool, "keys"); keys != 0 {
		t.Errorf("%d keys created by rejected requests, want 0", keys)
	}
	if nonces := countRows(t, server.pool, "signature_nonces"); nonces != 0 {
		t.Errorf("%d nonces recorded for rejected requests, want 0", nonces)
	}
}

func TestSignatureAcceptsBothSchemes(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	creds := server.newAccessKey(t, testAccount)

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		reply := server.sendParams(t, method, signedV1(method, creds, serverStart, map[string]string{
			"Action": "CreateKey", "Description": "V1 " + method + " * ~ + % = & / 中文",
		}))
		if reply.Status != http.StatusOK {
			t.Fatalf("V1 %s CreateKey: status %d, body %s", method, reply.Status, reply.Body)
		}
		if !strings.Contains(string(reply.Body), `"Creator":"`+testAccount+`"`) {
			t.Errorf("V1 %s CreateKey body %s, want Creator %s from the access key", method, reply.Body, testAccount)
		}
	}

	reply := server.callV3(t, creds, "CreateKey", map[string]string{"Description": "V3 * ~ + % = & / 中文"})
	if reply.Status != http.StatusOK {
		t.Fatalf("V3 CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	if !strings.Contains(string(reply.Body), `"Description":"V3 * ~ + % = & / 中文"`) {
		t.Errorf("V3 CreateKey body %s lost the description", reply.Body)
	}
}

func TestSignatureNonceReplay(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	creds := server.newAccessKey(t, testAccount)

	parameters := signedV1(http.MethodGet, creds, serverStart, map[string]string{"Action": "CreateKey"})
	if reply := server.sendParams(t, http.MethodGet, parameters); reply.Status != http.StatusOK {
		t.Fatalf("first CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	expectError(t, server.sendParams(t, http.MethodGet, parameters), http.StatusBadRequest, "SignatureNonceUsed")

	// The same nonce in a new request with a new signature is used too.
	again := signedV1(http.MethodGet, creds, serverStart.Add(time.Second), map[string]string{"Action": "CreateKey", "SignatureNonce": parameters["SignatureNonce"]})
	expectError(t, server.sendParams(t, http.MethodGet, again), http.StatusBadRequest, "SignatureNonceUsed")

	request := server.v3Request(t, creds, serverStart, "CreateKey", nil, nil)
	replay := request.Clone(context.Background())
	if reply := doRequest(t, request); reply.Status != http.StatusOK {
		t.Fatalf("V3 CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	expectError(t, doRequest(t, replay), http.StatusBadRequest, "SignatureNonceUsed")

	if keys := countRows(t, server.pool, "keys"); keys != 2 {
		t.Errorf("%d keys created, want 2: replays must not create keys", keys)
	}
}

// TestSignatureReplayAcrossServers sends a request to one server and its
// replay to another server on the same database, as two replicas.
func TestSignatureReplayAcrossServers(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	first := startSigningServer(t, pool, serverStart)
	second := startSigningServer(t, pool, serverStart)
	creds := first.newAccessKey(t, testAccount)

	parameters := signedV1(http.MethodPost, creds, serverStart, map[string]string{"Action": "CreateKey"})
	if reply := first.sendParams(t, http.MethodPost, parameters); reply.Status != http.StatusOK {
		t.Fatalf("CreateKey on the first server: status %d, body %s", reply.Status, reply.Body)
	}
	expectError(t, second.sendParams(t, http.MethodPost, parameters), http.StatusBadRequest, "SignatureNonceUsed")

	request := first.v3Request(t, creds, serverStart, "CreateKey", nil, nil)
	replay := second.v3Request(t, creds, serverStart, "CreateKey", nil, nil)
	replay.Header = request.Header.Clone()
	replay.Host = request.Host
	if reply := doRequest(t, request); reply.Status != http.StatusOK {
		t.Fatalf("V3 CreateKey on the first server: status %d, body %s", reply.Status, reply.Body)
	}
	expectError(t, doRequest(t, replay), http.StatusBadRequest, "SignatureNonceUsed")
}

// TestSignatureAccountIsolation gives two accounts an access key each on
// one server and checks that neither can read or use the other's keys,
// aliases or ARNs.
func TestSignatureAccountIsolation(t *testing.T) {
	t.Parallel()
	server := startSigningServer(t, pgtest.NewPool(t), serverStart)
	owner := server.newAccessKey(t, testAccount)
	intruder := server.newAccessKey(t, otherAccount)

	reply := server.callV1(t, owner, map[string]string{"Action": "CreateKey"})
	if reply.Status != http.StatusOK {
		t.Fatalf("CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	keyID := reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	if reply := server.callV1(t, owner, map[string]string{"Action": "CreateAlias", "AliasName": "alias/owned", "KeyId": keyID}); reply.Status != http.StatusOK {
		t.Fatalf("CreateAlias: status %d, body %s", reply.Status, reply.Body)
	}
	keyARN := "acs:kms:" + testRegion + ":" + testAccount + ":key/" + keyID
	aliasARN := "acs:kms:" + testRegion + ":" + testAccount + ":alias/owned"

	for _, tc := range []struct {
		name       string
		parameters map[string]string
		status     int
		code       string
	}{
		{"describe by key ID", map[string]string{"Action": "DescribeKey", "KeyId": keyID}, 404, "Forbidden.KeyNotFound"},
		{"describe by key ARN", map[string]string{"Action": "DescribeKey", "KeyId": keyARN}, 404, "Forbidden.KeyNotFound"},
		{"describe by alias name", map[string]string{"Action": "DescribeKey", "KeyId": "alias/owned"}, 404, "Forbidden.AliasNotFound"},
		{"describe by alias ARN", map[string]string{"Action": "DescribeKey", "KeyId": aliasARN}, 404, "Forbidden.AliasNotFound"},
		{"list aliases by key ID", map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID}, 404, "Forbidden.KeyNotFound"},
		{"list aliases by key ARN", map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyARN}, 404, "Forbidden.KeyNotFound"},
		{"alias the key by ID", map[string]string{"Action": "CreateAlias", "AliasName": "alias/stolen", "KeyId": keyID}, 404, "Forbidden.KeyNotFound"},
		{"alias the key by ARN", map[string]string{"Action": "CreateAlias", "AliasName": "alias/stolen", "KeyId": keyARN}, 404, "Forbidden.KeyNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, server.callV1(t, intruder, tc.parameters), tc.status, tc.code)
			v3Parameters := map[string]string{}
			for name, value := range tc.parameters {
				if name != "Action" {
					v3Parameters[name] = value
				}
			}
			expectError(t, server.callV3(t, intruder, tc.parameters["Action"], v3Parameters), tc.status, tc.code)
		})
	}

	// The other account has its own alias namespace: the same name is free
	// there and names its own key.
	reply = server.callV3(t, intruder, "CreateKey", nil)
	if reply.Status != http.StatusOK {
		t.Fatalf("CreateKey as the other account: status %d, body %s", reply.Status, reply.Body)
	}
	otherKeyID := reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	if reply := server.callV3(t, intruder, "CreateAlias", map[string]string{"AliasName": "alias/owned", "KeyId": otherKeyID}); reply.Status != http.StatusOK {
		t.Fatalf("CreateAlias alias/owned as the other account: status %d, body %s", reply.Status, reply.Body)
	}
	expectError(t, server.callV1(t, owner, map[string]string{"Action": "DescribeKey", "KeyId": otherKeyID}), 404, "Forbidden.KeyNotFound")

	reply = server.callV1(t, owner, map[string]string{"Action": "DescribeKey", "KeyId": "alias/owned"})
	if reply.Status != http.StatusOK || !strings.Contains(string(reply.Body), `"KeyId":"`+keyID+`"`) {
		t.Errorf("the owner's alias/owned: status %d, body %s, want key %s", reply.Status, reply.Body, keyID)
	}
	reply = server.callV1(t, owner, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID})
	if total := reply.JSON(t)["TotalCount"]; total != json.Number("1") {
		t.Errorf("the owner's key has TotalCount %v aliases, want 1: the rejected CreateAlias calls must change nothing", total)
	}
}

// TestSignatureDisabledKeyStopsWithinTTL disables an access key through a
// second AccessKeys, as the accesskey command does, and checks that the
// server rejects it once its cache TTL has passed.
func TestSignatureDisabledKeyStopsWithinTTL(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	server := startSigningServer(t, pool, serverStart)
	creds := server.newAccessKey(t, testAccount)
	admin := service.NewAccessKeys(repository.NewStore(pool), newTestMasterKey(t))

	if reply := server.callV1(t, creds, map[string]string{"Action": "CreateKey"}); reply.Status != http.StatusOK {
		t.Fatalf("CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	if _, err := admin.SetEnabled(context.Background(), creds.id, false); err != nil {
		t.Fatalf("disable: %v", err)
	}

	server.clock.Advance(service.DefaultAccessKeyCacheTTL)
	expectError(t, server.callV1(t, creds, map[string]string{"Action": "CreateKey"}), http.StatusBadRequest, "InvalidAccessKeyId.Inactive")

	if err := admin.Delete(context.Background(), creds.id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	server.clock.Advance(service.DefaultAccessKeyCacheTTL)
	expectError(t, server.callV3(t, creds, "CreateKey", nil), http.StatusNotFound, "InvalidAccessKeyId.NotFound")
}
