package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/httpapi"
	"kmsmeta/internal/pgtest"
	"kmsmeta/repository"
	"kmsmeta/service"
)

const (
	testRegion  = "cn-hangzhou"
	testAccount = "1540355698848459"
)

// apiServer is a real kmsmeta HTTP server on a loopback port, over a
// migrated database of its own.
type apiServer struct {
	URL     string
	Account string
	pool    *pgxpool.Pool
	svc     *service.Service
}

// startServer starts a server that acts as testAccount on a new database.
func startServer(t *testing.T) *apiServer {
	t.Helper()
	return startServerOn(t, pgtest.NewPool(t), testAccount)
}

// startServerOn starts a server that acts as account on pool, so that two
// servers can share one database as two accounts.
func startServerOn(t *testing.T, pool *pgxpool.Pool, account string, options ...service.Option) *apiServer {
	t.Helper()

	svc := service.New(repository.NewStore(pool), options...)
	handler := httpapi.New(httpapi.Config{
		Service:       svc,
		RegionID:      testRegion,
		Authenticator: httpapi.NoAuthentication{AccountID: account, RegionID: testRegion},
	})
	server := serveHandler(t, handler, pool, account)
	server.svc = svc
	return server
}

func serveHandler(t testing.TB, handler http.Handler, pool *pgxpool.Pool, account string) *apiServer {
	t.Helper()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		_ = server.Serve(listener)
	}()
	t.Cleanup(func() {
		_ = server.Close()
	})

	return &apiServer{URL: "http://" + listener.Addr().String() + "/", Account: account, pool: pool}
}

// response is an HTTP response with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map, keeping numbers as json.Number
// so that tests can tell integers from strings.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(r.Body))
	decoder.UseNumber()
	var body map[string]any
	if err := decoder.Decode(&body); err != nil {
		t.Fatalf("decode JSON body %q: %v", r.Body, err)
	}
	return body
}

// get sends the parameters as a GET query; Version defaults to 2016-01-20.
func (s *apiServer) get(t *testing.T, parameters map[string]string) response {
	t.Helper()
	query := url.Values{}
	if _, ok := parameters["Version"]; !ok {
		query.Set("Version", httpapi.APIVersion)
	}
	for name, value := range parameters {
		query.Set(name, value)
	}
	return s.do(t, http.MethodGet, s.URL+"?"+query.Encode(), "", nil)
}

// post sends the parameters as a form body; Version defaults to 2016-01-20.
func (s *apiServer) post(t *testing.T, parameters map[string]string) response {
	t.Helper()
	form := url.Values{}
	if _, ok := parameters["Version"]; !ok {
		form.Set("Version", httpapi.APIVersion)
	}
	for name, value := range parameters {
		form.Set(name, value)
	}
	return s.do(t, http.MethodPost, s.URL, form.Encode(),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

func (s *apiServer) do(t *testing.T, method, target, body string, header http.Header) response {
	t.Helper()
	request, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	for name, values := range header {
		request.Header[name] = values
	}

	reply, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	return response{Status: reply.StatusCode, Header: reply.Header, Body: data}
}

// createKey creates a key with default parameters and returns its ID.
func (s *apiServer) createKey(t *testing.T) string {
	t.Helper()
	reply := s.get(t, map[string]string{"Action": "CreateKey"})
	if reply.Status != http.StatusOK {
		t.Fatalf("CreateKey: status %d, body %s", reply.Status, reply.Body)
	}
	metadata, ok := reply.JSON(t)["KeyMetadata"].(map[string]any)
	if !ok {
		t.Fatalf("CreateKey: no KeyMetadata in %s", reply.Body)
	}
	keyID, ok := metadata["KeyId"].(string)
	if !ok || keyID == "" {
		t.Fatalf("CreateKey: no KeyId in %s", reply.Body)
	}
	return keyID
}

// createAlias binds aliasName to keyID and fails the test unless it works.
func (s *apiServer) createAlias(t *testing.T, aliasName, keyID string) {
	t.Helper()
	reply := s.get(t, map[string]string{"Action": "CreateAlias", "AliasName": aliasName, "KeyId": keyID})
	if reply.Status != http.StatusOK {
		t.Fatalf("CreateAlias %s: status %d, body %s", aliasName, reply.Status, reply.Body)
	}
}

// expectError checks an error response's status, code and body fields.
func expectError(t *testing.T, reply response, status int, code string) map[string]any {
	t.Helper()
	if reply.Status != status {
		t.Fatalf("status = %d, want %d; body %s", reply.Status, status, reply.Body)
	}
	body := reply.JSON(t)
	if body["Code"] != code {
		t.Errorf("Code = %v, want %s; body %s", body["Code"], code, reply.Body)
	}
	if body["HttpStatus"] != json.Number(strconv.Itoa(status)) {
		t.Errorf("HttpStatus = %#v, want the number %d", body["HttpStatus"], status)
	}
	for _, field := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if _, ok := body[field].(string); !ok {
			t.Errorf("%s = %#v, want a string", field, body[field])
		}
	}
	if body["RequestId"] != reply.Header.Get("x-acs-request-id") {
		t.Errorf("RequestId %v differs from header x-acs-request-id %q", body["RequestId"], reply.Header.Get("x-acs-request-id"))
	}
	return body
}

// startServerOnB starts an unauthenticated server on pool for a
// benchmark's set-up.
func startServerOnB(b *testing.B, pool *pgxpool.Pool, account string) *apiServer {
	b.Helper()
	handler := httpapi.New(httpapi.Config{
		Service:       service.New(repository.NewStore(pool)),
		RegionID:      testRegion,
		Authenticator: httpapi.NoAuthentication{AccountID: account, RegionID: testRegion},
	})
	return serveHandler(b, handler, pool, account)
}

// callB sends a GET request in a benchmark's set-up and fails unless it
// succeeds.
func (s *apiServer) callB(b *testing.B, query url.Values) []byte {
	b.Helper()
	query.Set("Version", httpapi.APIVersion)
	reply, err := http.Get(s.URL + "?" + query.Encode())
	if err != nil {
		b.Fatalf("%s: %v", query.Get("Action"), err)
	}
	defer reply.Body.Close()
	body, err := io.ReadAll(reply.Body)
	if err != nil || reply.StatusCode != http.StatusOK {
		b.Fatalf("%s: status %d, error %v, body %s", query.Get("Action"), reply.StatusCode, err, body)
	}
	return body
}

func (s *apiServer) createKeyB(b *testing.B) string {
	b.Helper()
	var body struct{ KeyMetadata struct{ KeyId string } }
	if err := json.Unmarshal(s.callB(b, url.Values{"Action": {"CreateKey"}}), &body); err != nil {
		b.Fatalf("decode CreateKey: %v", err)
	}
	return body.KeyMetadata.KeyId
}
