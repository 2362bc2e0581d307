package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"kmsmeta/httpapi"
	"kmsmeta/internal/masterkey"
	"kmsmeta/internal/signature"
	"kmsmeta/repository"
	"kmsmeta/service"
)

// testMasterKey seals the access key secrets of every test server.
const testMasterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// otherAccount is a second account for isolation tests.
const otherAccount = "1000000000000002"

// testClock is a clock that tests set and move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock(now time.Time) *testClock {
	return &testClock{now: now}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// credentials is an access key that signs test requests.
type credentials struct {
	id, secret string
}

// signingServer is a real server that verifies request signatures, with
// the access keys and the clock that it verifies them by.
type signingServer struct {
	*apiServer
	keys  *service.AccessKeys
	clock *testClock
}

func newTestMasterKey(t testing.TB) *masterkey.Key {
	t.Helper()
	key, err := masterkey.Parse(testMasterKey)
	if err != nil {
		t.Fatalf("parse test master key: %v", err)
	}
	return key
}

// startSigningServer starts a server on pool that authenticates requests by
// signature, with the server clock at now.
func startSigningServer(t testing.TB, pool *pgxpool.Pool, now time.Time) *signingServer {
	t.Helper()
	clock := newTestClock(now)
	keys := service.NewAccessKeys(repository.NewStore(pool), newTestMasterKey(t), service.WithAccessKeyClock(clock.Now))
	handler := httpapi.New(httpapi.Config{
		Service:       service.New(repository.NewStore(pool)),
		RegionID:      testRegion,
		Authenticator: httpapi.SignatureAuthentication{AccessKeys: keys, RegionID: testRegion, Now: clock.Now},
	})
	return &signingServer{apiServer: serveHandler(t, handler, pool, ""), keys: keys, clock: clock}
}

// newAccessKey creates an access key of account.
func (s *signingServer) newAccessKey(t testing.TB, account string) credentials {
	t.Helper()
	created, err := s.keys.Create(context.Background(), account)
	if err != nil {
		t.Fatalf("create access key for account %s: %v", account, err)
	}
	return credentials{id: created.AccessKeyID, secret: created.AccessKeySecret}
}

// signedV1 returns the parameters of a V1 request signed for method with a
// fresh nonce and timestamp. Version defaults to 2016-01-20.
func signedV1(method string, creds credentials, timestamp time.Time, parameters map[string]string) map[string]string {
	signed := map[string]string{
		"Version":          httpapi.APIVersion,
		"Format":           "JSON",
		"AccessKeyId":      creds.id,
		"SignatureMethod":  signature.MethodV1,
		"SignatureVersion": signature.VersionV1,
		"SignatureNonce":   uuid.NewString(),
		"Timestamp":        timestamp.UTC().Format(signature.TimestampLayout),
	}
	for name, value := range parameters {
		signed[name] = value
	}
	signed["Signature"] = signature.SignV1(method, signed, creds.secret)
	return signed
}

// sendParams sends parameters as a GET query or a POST form body.
func (s *apiServer) sendParams(t *testing.T, method string, parameters map[string]string) response {
	t.Helper()
	values := url.Values{}
	for name, value := range parameters {
		values.Set(name, value)
	}
	if method == http.MethodGet {
		return s.do(t, method, s.URL+"?"+values.Encode(), "", nil)
	}
	return s.do(t, method, s.URL, values.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// callV1 sends a V1 GET request signed at the server's current time.
func (s *signingServer) callV1(t *testing.T, creds credentials, parameters map[string]string) response {
	t.Helper()
	return s.sendParams(t, http.MethodGet, signedV1(http.MethodGet, creds, s.clock.Now(), parameters))
}

// v3Request builds a V3 request for action with the parameters in the
// query string, signed at timestamp. edit changes the request after it has
// been signed; nil leaves it as it is.
func (s *apiServer) v3Request(t *testing.T, creds credentials, timestamp time.Time, action string, parameters map[string]string, edit func(*http.Request)) *http.Request {
	t.Helper()
	query := url.Values{}
	for name, value := range parameters {
		query.Set(name, value)
	}
	request, err := http.NewRequest(http.MethodPost, s.URL+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatalf("build V3 request: %v", err)
	}
	request.Header.Set("x-acs-action", action)
	request.Header.Set("x-acs-version", httpapi.APIVersion)
	request.Header.Set("x-acs-date", timestamp.UTC().Format(signature.TimestampLayout))
	request.Header.Set("x-acs-signature-nonce", uuid.NewString())
	if err := signature.SignV3(request, nil, creds.id, creds.secret); err != nil {
		t.Fatalf("sign V3 request: %v", err)
	}
	if edit != nil {
		edit(request)
	}
	return request
}

// doRequest sends a prepared request as it is, Host header included, and
// reads the response.
func doRequest(t *testing.T, request *http.Request) response {
	t.Helper()
	reply, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("%s %s: %v", request.Method, request.URL, err)
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	return response{Status: reply.StatusCode, Header: reply.Header, Body: data}
}

// callV3 sends a V3 request signed at the server's current time.
func (s *signingServer) callV3(t *testing.T, creds credentials, action string, parameters map[string]string) response {
	t.Helper()
	return doRequest(t, s.v3Request(t, creds, s.clock.Now(), action, parameters, nil))
}

// countRows returns the number of rows in table.
func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var count int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&count); err != nil {
		t.Fatalf("count rows of %s: %v", table, err)
	}
	return count
}
