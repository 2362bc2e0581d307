package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/httpapi"
	"kmsmeta/internal/pgtest"
	"kmsmeta/repository"
	"kmsmeta/service"
)

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	cases := []struct {
		name   string
		method string
		target string
		status int
		code   string
	}{
		{"unknown action", "GET", "?Action=Encrypt&Version=2016-01-20", 404, "InvalidAction.NotFound"},
		{"action in wrong case", "GET", "?Action=listaliasesbykeyid&Version=2016-01-20", 404, "InvalidAction.NotFound"},
		{"missing action", "GET", "?Version=2016-01-20", 400, "MissingParameter"},
		{"missing version", "GET", "?Action=ListAliasesByKeyId&KeyId=x", 400, "MissingParameter"},
		{"wrong version", "GET", "?Action=ListAliasesByKeyId&KeyId=x&Version=2020-01-01", 400, "InvalidVersion"},
		{"unknown format", "GET", "?Action=ListAliasesByKeyId&KeyId=x&Version=2016-01-20&Format=YAML", 400, "InvalidParameter"},
		{"other region", "GET", "?Action=ListAliasesByKeyId&KeyId=x&Version=2016-01-20&RegionId=cn-beijing", 400, "InvalidParameter"},
		{"conflicting duplicates", "GET", "?Action=ListAliasesByKeyId&KeyId=a&KeyId=b&Version=2016-01-20", 400, "InvalidParameter"},
		{"bad escape", "GET", "?Action=ListAliasesByKeyId&KeyId=%zz&Version=2016-01-20", 400, "InvalidParameter"},
		{"NUL in value", "GET", "?Action=ListAliasesByKeyId&KeyId=a%00b&Version=2016-01-20", 400, "InvalidParameter"},
		{"invalid UTF-8", "GET", "?Action=ListAliasesByKeyId&KeyId=%ff&Version=2016-01-20", 400, "InvalidParameter"},
		{"other path", "GET", "v1/keys?Action=ListAliasesByKeyId&Version=2016-01-20", 404, "InvalidAction.NotFound"},
		{"PUT method", "PUT", "?Action=ListAliasesByKeyId&KeyId=x&Version=2016-01-20", 404, "InvalidAction.NotFound"},
		{"DELETE method", "DELETE", "?Action=ListAliasesByKeyId&KeyId=x&Version=2016-01-20", 404, "InvalidAction.NotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := server.do(t, tc.method, server.URL+tc.target, "", nil)
			expectError(t, reply, tc.status, tc.code)
		})
	}
}

func TestTransportErrorMessages(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	reply := server.get(t, map[string]string{"Action": "Encrypt"})
	body := expectError(t, reply, http.StatusNotFound, "InvalidAction.NotFound")
	if body["Message"] != "Specified api is not found, please check your url and method." {
		t.Errorf("unknown action message = %q", body["Message"])
	}
	if body["HostId"] != "kms.cn-hangzhou.aliyuncs.com" {
		t.Errorf("HostId = %q", body["HostId"])
	}

	reply = server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": "x", "Version": "2015-01-01"})
	body = expectError(t, reply, http.StatusBadRequest, "InvalidVersion")
	if body["Message"] != "Specified parameter Version is not valid." {
		t.Errorf("wrong version message = %q", body["Message"])
	}
}

func TestTransportXMLError(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": "key-none", "Format": "XML"})

	if reply.Status != http.StatusNotFound {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	if got := reply.Header.Get("Content-Type"); got != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type = %q, want exactly text/xml;charset=utf-8", got)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><RequestId>` + reply.Header.Get("x-acs-request-id") + `</RequestId>` +
		`<HostId>kms.cn-hangzhou.aliyuncs.com</HostId><Code>Forbidden.KeyNotFound</Code>` +
		`<Message>The specified Key is not found.</Message><Recommend></Recommend>` +
		`<HttpStatus>404</HttpStatus></Error>`
	if string(reply.Body) != want {
		t.Errorf("body =\n%s\nwant\n%s", reply.Body, want)
	}
}

func TestTransportFormatCaseInsensitive(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	for format, contentType := range map[string]string{
		"json": "application/json;charset=utf-8",
		"Json": "application/json;charset=utf-8",
		"xml":  "text/xml;charset=utf-8",
		"":     "application/json;charset=utf-8",
	} {
		reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID, "Format": format})
		if reply.Status != http.StatusOK {
			t.Errorf("Format %q: status %d", format, reply.Status)
		}
		if got := reply.Header.Get("Content-Type"); got != contentType {
			t.Errorf("Format %q: Content-Type %q, want %q", format, got, contentType)
		}
	}
}

func TestTransportQueryAndFormMerged(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/merged", keyID)

	// Action and Version in the query, the rest in the form body; a
	// parameter repeated with the same value in both places is accepted.
	form := url.Values{"KeyId": {keyID}, "PageSize": {"5"}, "Version": {httpapi.APIVersion}}
	reply := server.do(t, http.MethodPost, server.URL+"?Action=ListAliasesByKeyId&Version=2016-01-20", form.Encode(),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=UTF-8"}})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	if !strings.Contains(string(reply.Body), `"PageSize":5,"TotalCount":1`) {
		t.Errorf("body %s does not reflect the form parameters", reply.Body)
	}

	reply = server.do(t, http.MethodPost, server.URL+"?Action=ListAliasesByKeyId&Version=2016-01-20&PageSize=6", form.Encode(),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
}

func TestTransportActionHeader(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	// Signature V3 clients name the action and version in headers only.
	reply := server.do(t, http.MethodPost, server.URL+"?KeyId="+keyID, "", http.Header{
		"X-Acs-Action":  {"ListAliasesByKeyId"},
		"X-Acs-Version": {httpapi.APIVersion},
	})
	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}

	reply = server.do(t, http.MethodPost, server.URL+"?KeyId="+keyID+"&Action=DescribeKey", "", http.Header{
		"X-Acs-Action":  {"ListAliasesByKeyId"},
		"X-Acs-Version": {httpapi.APIVersion},
	})
	expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
}

func TestTransportBodyLimit(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	body := "Action=CreateKey&Version=2016-01-20&Description=" + strings.Repeat("a", httpapi.DefaultMaxBodyBytes)
	reply := server.do(t, http.MethodPost, server.URL, body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})

	expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
}

func TestTransportSignatureParametersIgnored(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	// Without authentication, the parameters that signing clients add are
	// accepted and do not change the result.
	reply := server.get(t, map[string]string{
		"Action": "ListAliasesByKeyId", "KeyId": keyID, "AccessKeyId": "LTAI-example", "Signature": "c2lnbmF0dXJl",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": "abc", "SignatureType": "",
		"Timestamp": "2016-03-28T03:13:08Z", "RegionId": testRegion,
	})
	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
}

func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()

	// Nothing listens on port 1 of the loopback address, so every query
	// fails to connect.
	config, err := pgxpool.ParseConfig("postgres://kmsmeta:secret-password@127.0.0.1:1/kmsmeta?connect_timeout=2")
	if err != nil {
		t.Fatalf("parse pool config: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), config)
	if err != nil {
		t.Fatalf("create pool: %v", err)
	}
	t.Cleanup(pool.Close)

	store := repository.NewStore(pool)
	handler := httpapi.New(httpapi.Config{
		Service:       service.New(store),
		RegionID:      testRegion,
		Authenticator: httpapi.NoAuthentication{AccountID: testAccount, RegionID: testRegion},
		Ready:         store.Ping,
	})
	server := serveHandler(t, handler, pool, testAccount)

	for _, parameters := range []map[string]string{
		{"Action": "ListAliasesByKeyId", "KeyId": "key-any"},
		{"Action": "CreateKey"},
		{"Action": "CreateAlias", "AliasName": "alias/x", "KeyId": "key-any"},
		{"Action": "DescribeKey", "KeyId": "alias/x"},
	} {
		reply := server.get(t, parameters)
		body := expectError(t, reply, http.StatusServiceUnavailable, "ServiceUnavailableTemporary")
		if body["Message"] != "Service Unavailable Temporary." {
			t.Errorf("%s: Message = %q", parameters["Action"], body["Message"])
		}
		for _, leak := range []string{"127.0.0.1", "secret-password", "dial", "connect", "pgx", "SQL"} {
			if strings.Contains(string(reply.Body), leak) {
				t.Errorf("%s: body %s reveals %q", parameters["Action"], reply.Body, leak)
			}
		}
	}

	reply := server.do(t, http.MethodGet, server.URL+"readyz", "", nil)
	if reply.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz status = %d, want 503", reply.Status)
	}
	reply = server.do(t, http.MethodGet, server.URL+"healthz", "", nil)
	if reply.Status != http.StatusOK {
		t.Errorf("/healthz status = %d, want 200", reply.Status)
	}
}

func TestThrottlePerAccount(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	throttle := httpapi.NewAccountThrottle(0.1, 3)
	serve := func(account string) *apiServer {
		handler := httpapi.New(httpapi.Config{
			Service:       service.New(repository.NewStore(pool)),
			RegionID:      testRegion,
			Authenticator: httpapi.NoAuthentication{AccountID: account, RegionID: testRegion},
			Throttle:      throttle,
		})
		return serveHandler(t, handler, pool, account)
	}
	first, second := serve(testAccount), serve("1234567890123456")

	for i := range 3 {
		if reply := first.get(t, map[string]string{"Action": "ListKeys"}); reply.Status != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d, body %s", i+1, reply.Status, reply.Body)
		}
	}
	body := expectError(t, first.get(t, map[string]string{"Action": "ListKeys"}), http.StatusTooManyRequests, "Rejected.Throttling")
	if body["Message"] != "QPS Limit Exceeded." {
		t.Errorf("Message = %q", body["Message"])
	}

	// The other account has a bucket of its own.
	if reply := second.get(t, map[string]string{"Action": "ListKeys"}); reply.Status != http.StatusOK {
		t.Errorf("other account: status %d, body %s", reply.Status, reply.Body)
	}
}
