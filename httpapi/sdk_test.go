package httpapi_test

// Client-compatibility tests: the official Alibaba Cloud Go SDKs, unchanged
// but for the endpoint, against the real server over a real database.
//
// A recorder in front of the handler keeps every request the SDKs send and
// every response body. A failure message shows both, and each test checks
// that the SDK signed and sent its requests the way the test name claims.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kmsv3 "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	legacyerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	legacykms "github.com/aliyun/alibaba-cloud-sdk-go/services/kms"

	"kmsmeta/httpapi"
	"kmsmeta/internal/pgtest"
	"kmsmeta/repository"
	"kmsmeta/service"
)

// sdkDescription contains every character that percent-encoding, form
// decoding and signing treat specially, plus non-ASCII text. The literal
// "%20" and "%41" catch a server that decodes twice.
const sdkDescription = "key for SDK tests: a b  c * ~ + %20 %41 % = & / ? # ; , 中文 ключ é 🔑"

// Credentials for the SDKs. startSDKServer stores them as an access key of
// testAccount, so the servers verify every signature. The secret contains
// "/", "+" and "=", which must reach the HMAC key unchanged.
const (
	sdkAccessKeyID     = "sdk-test-access-key"
	sdkAccessKeySecret = "sdk-test-secret/+=0123456789"
)

// sdkCredentials are the credentials above.
var sdkCredentials = credentials{id: sdkAccessKeyID, secret: sdkAccessKeySecret}

// sdkExchange is one HTTP request an SDK sent and the server's response.
type sdkExchange struct {
	Method         string
	Target         string
	Header         http.Header
	Body           string
	Status         int
	ResponseHeader http.Header
	ResponseBody   string
}

func (e sdkExchange) String() string {
	var header strings.Builder
	names := make([]string, 0, len(e.Header))
	for name := range e.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&header, "\n    %s: %s", name, strings.Join(e.Header[name], ", "))
	}
	return fmt.Sprintf("SDK sent %s %s%s\n    body %q\nserver responded %d, x-acs-request-id %q, Content-Type %q:\n    %s",
		e.Method, e.Target, header.String(), e.Body, e.Status,
		e.ResponseHeader.Get("x-acs-request-id"), e.ResponseHeader.Get("Content-Type"), e.ResponseBody)
}

// query returns the parameters of the request's query string.
func (e sdkExchange) query() url.Values {
	_, rawQuery, _ := strings.Cut(e.Target, "?")
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return url.Values{}
	}
	return values
}

// sdkServer is a real kmsmeta server that records every exchange.
type sdkServer struct {
	// Host is "127.0.0.1:PORT", the endpoint form both SDKs take.
	Host string

	// keys are the access keys that the server verifies signatures with.
	keys *service.AccessKeys

	mu        sync.Mutex
	exchanges []sdkExchange
}

// startSDKServer starts a server on a database of its own, behind a
// recorder. It verifies signatures on the wall clock, because the SDKs sign
// with it, and stores sdkCredentials as an access key of testAccount.
func startSDKServer(t *testing.T) *sdkServer {
	t.Helper()
	pool := pgtest.NewPool(t)
	keys := service.NewAccessKeys(repository.NewStore(pool), newTestMasterKey(t))
	if _, err := keys.Import(context.Background(), testAccount, sdkAccessKeyID, sdkAccessKeySecret); err != nil {
		t.Fatalf("store the SDK access key: %v", err)
	}
	handler := httpapi.New(httpapi.Config{
		Service:       service.New(repository.NewStore(pool)),
		RegionID:      testRegion,
		Authenticator: httpapi.SignatureAuthentication{AccessKeys: keys, RegionID: testRegion},
	})
	server := &sdkServer{keys: keys}
	api := serveHandler(t, server.record(t, handler), pool, testAccount)
	server.Host = strings.TrimSuffix(strings.TrimPrefix(api.URL, "http://"), "/")
	return server
}

// record wraps next so that every exchange is kept.
func (s *sdkServer) record(t *testing.T, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("recorder: failed to read the body of %s %s: %v", r.Method, r.URL.RequestURI(), err)
			http.Error(w, "recorder: failed to read the request body", http.StatusInternalServerError)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		s.mu.Lock()
		index := len(s.exchanges)
		s.exchanges = append(s.exchanges, sdkExchange{
			Method: r.Method, Target: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body),
		})
		s.mu.Unlock()

		next.ServeHTTP(&recordingWriter{ResponseWriter: w, server: s, index: index}, r)
	})
}

// last returns the latest exchange, or a zero exchange when there is none.
func (s *sdkServer) last() sdkExchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.exchanges) == 0 {
		return sdkExchange{}
	}
	return s.exchanges[len(s.exchanges)-1]
}

func (s *sdkServer) all() []sdkExchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.exchanges)
}

// recordingWriter copies the status, headers and body into the exchange
// before passing them on, so the record is complete once the client has read
// the response.
type recordingWriter struct {
	http.ResponseWriter
	server *sdkServer
	index  int
}

func (w *recordingWriter) WriteHeader(status int) {
	w.server.mu.Lock()
	exchange := &w.server.exchanges[w.index]
	if exchange.Status == 0 {
		exchange.Status = status
		exchange.ResponseHeader = w.Header().Clone()
	}
	w.server.mu.Unlock()
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(data []byte) (int, error) {
	w.server.mu.Lock()
	exchange := &w.server.exchanges[w.index]
	if exchange.Status == 0 {
		exchange.Status = http.StatusOK
		exchange.ResponseHeader = w.Header().Clone()
	}
	exchange.ResponseBody += string(data)
	w.server.mu.Unlock()
	return w.ResponseWriter.Write(data)
}

// sdkKey, sdkAlias and sdkAliasPage are what the SDKs decoded, in one shape
// for all of them.
type sdkKey struct {
	KeyID, Arn, Description, KeyState, Creator string
}

type sdkAlias struct {
	KeyID, AliasArn, AliasName string
}

type sdkAliasPage struct {
	PageNumber, PageSize, TotalCount int
	Aliases                          []sdkAlias
}

// sdkFailure is an API error as the SDK reports it.
type sdkFailure struct {
	Code      string
	Status    int
	RequestID string
	Message   string

	// Recommend is the legacy SDK's advice; the other SDK leaves it empty.
	Recommend string
}

// sdkClient is one official SDK, configured one way.
type sdkClient interface {
	CreateKey(description string) (sdkKey, error)
	DescribeKey(keyID string) (sdkKey, error)
	CreateAlias(aliasName, keyID string) error
	ListAliasesByKeyId(keyID string, pageNumber, pageSize int) (sdkAliasPage, error)
	// failure unpacks err as the error type this SDK documents for API
	// errors, and fails when err is of any other type.
	failure(err error) (sdkFailure, error)
	// checkRequest reports how a recorded request differs from the method
	// and signing scheme this client is meant to use.
	checkRequest(exchange sdkExchange) error
}

// sdkKind names an SDK configuration and builds its client, signing with
// the given credentials.
type sdkKind struct {
	name   string
	client func(t *testing.T, server *sdkServer, creds credentials) sdkClient
}

var sdkKinds = []sdkKind{
	{"v3 ACS3", func(t *testing.T, server *sdkServer, creds credentials) sdkClient {
		return newTeaClient(t, server, "", creds)
	}},
	{"v3 HMAC-SHA1", func(t *testing.T, server *sdkServer, creds credentials) sdkClient {
		return newTeaClient(t, server, "v2", creds)
	}},
	{"legacy GET", func(t *testing.T, server *sdkServer, creds credentials) sdkClient {
		return newLegacyClient(t, server, requests.GET, "JSON", creds)
	}},
	{"legacy POST", func(t *testing.T, server *sdkServer, creds credentials) sdkClient {
		return newLegacyClient(t, server, requests.POST, "JSON", creds)
	}},
}

// unsetProxies keeps both SDKs from sending loopback traffic to a proxy
// named in the environment, because each reads HTTP_PROXY itself. t.Setenv
// makes the calling test sequential.
func unsetProxies(t *testing.T) {
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(name, "")
	}
}

// forEachSDK runs body once per SDK configuration, each on a server and
// database of its own, then checks that every request the SDK sent used the
// method and signing scheme of that configuration.
func forEachSDK(t *testing.T, body func(t *testing.T, server *sdkServer, client sdkClient)) {
	unsetProxies(t)
	for _, kind := range sdkKinds {
		t.Run(kind.name, func(t *testing.T) {
			server := startSDKServer(t)
			client := kind.client(t, server, sdkCredentials)
			body(t, server, client)
			checkRequests(t, server, client)
		})
	}
}

func checkRequests(t *testing.T, server *sdkServer, client sdkClient) {
	t.Helper()
	exchanges := server.all()
	if len(exchanges) == 0 {
		t.Errorf("the server recorded no request from the SDK")
	}
	for _, exchange := range exchanges {
		if err := client.checkRequest(exchange); err != nil {
			t.Errorf("the SDK did not send the request this test means to exercise: %v\n%s", err, exchange)
			return
		}
	}
}

// teaClient is github.com/alibabacloud-go/kms-20160120/v3.
type teaClient struct {
	client    *kmsv3.Client
	algorithm string
}

func newTeaClient(t *testing.T, server *sdkServer, algorithm string, creds credentials) *teaClient {
	t.Helper()
	config := &openapi.Config{
		AccessKeyId:     tea.String(creds.id),
		AccessKeySecret: tea.String(creds.secret),
		RegionId:        tea.String(testRegion),
		Endpoint:        tea.String(server.Host),
		Protocol:        tea.String("http"),
	}
	if algorithm != "" {
		config.SignatureAlgorithm = tea.String(algorithm)
	}
	client, err := kmsv3.NewClient(config)
	if err != nil {
		t.Fatalf("kms-20160120/v3 NewClient: %v", err)
	}
	if got := tea.StringValue(client.Endpoint); got != server.Host {
		t.Fatalf("kms-20160120/v3 resolved endpoint %q, want the loopback server %q", got, server.Host)
	}
	return &teaClient{client: client, algorithm: algorithm}
}

func (c *teaClient) CreateKey(description string) (sdkKey, error) {
	reply, err := c.client.CreateKey(&kmsv3.CreateKeyRequest{Description: tea.String(description)})
	if err != nil {
		return sdkKey{}, err
	}
	if reply.Body == nil || reply.Body.KeyMetadata == nil {
		return sdkKey{}, errors.New("the SDK decoded no KeyMetadata")
	}
	metadata := reply.Body.KeyMetadata
	return sdkKey{
		KeyID: tea.StringValue(metadata.KeyId), Arn: tea.StringValue(metadata.Arn),
		Description: tea.StringValue(metadata.Description), KeyState: tea.StringValue(metadata.KeyState),
		Creator: tea.StringValue(metadata.Creator),
	}, nil
}

func (c *teaClient) DescribeKey(keyID string) (sdkKey, error) {
	reply, err := c.client.DescribeKey(&kmsv3.DescribeKeyRequest{KeyId: tea.String(keyID)})
	if err != nil {
		return sdkKey{}, err
	}
	if reply.Body == nil || reply.Body.KeyMetadata == nil {
		return sdkKey{}, errors.New("the SDK decoded no KeyMetadata")
	}
	metadata := reply.Body.KeyMetadata
	return sdkKey{
		KeyID: tea.StringValue(metadata.KeyId), Arn: tea.StringValue(metadata.Arn),
		Description: tea.StringValue(metadata.Description), KeyState: tea.StringValue(metadata.KeyState),
		Creator: tea.StringValue(metadata.Creator),
	}, nil
}

func (c *teaClient) CreateAlias(aliasName, keyID string) error {
	_, err := c.client.CreateAlias(&kmsv3.CreateAliasRequest{AliasName: tea.String(aliasName), KeyId: tea.String(keyID)})
	return err
}

func (c *teaClient) ListAliasesByKeyId(keyID string, pageNumber, pageSize int) (sdkAliasPage, error) {
	reply, err := c.client.ListAliasesByKeyId(&kmsv3.ListAliasesByKeyIdRequest{
		KeyId: tea.String(keyID), PageNumber: tea.Int32(int32(pageNumber)), PageSize: tea.Int32(int32(pageSize)),
	})
	if err != nil {
		return sdkAliasPage{}, err
	}
	body := reply.Body
	if body == nil || body.PageNumber == nil || body.PageSize == nil || body.TotalCount == nil {
		return sdkAliasPage{}, errors.New("the SDK decoded no PageNumber, PageSize or TotalCount")
	}
	if body.Aliases == nil {
		return sdkAliasPage{}, errors.New("the SDK decoded no Aliases wrapper")
	}
	page := sdkAliasPage{
		PageNumber: int(*body.PageNumber), PageSize: int(*body.PageSize), TotalCount: int(*body.TotalCount),
		Aliases: []sdkAlias{},
	}
	for _, alias := range body.Aliases.Alias {
		page.Aliases = append(page.Aliases, sdkAlias{
			KeyID: tea.StringValue(alias.KeyId), AliasArn: tea.StringValue(alias.AliasArn), AliasName: tea.StringValue(alias.AliasName),
		})
	}
	return page, nil
}

func (c *teaClient) failure(err error) (sdkFailure, error) {
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) {
		return sdkFailure{}, fmt.Errorf("error of type %T, want *tea.SDKError: %v", err, err)
	}
	failure := sdkFailure{
		Code: tea.StringValue(sdkErr.Code), Status: tea.IntValue(sdkErr.StatusCode), Message: tea.StringValue(sdkErr.Message),
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(tea.StringValue(sdkErr.Data)), &data); err == nil {
		failure.RequestID, _ = data["RequestId"].(string)
	}
	return failure, nil
}

func (c *teaClient) checkRequest(exchange sdkExchange) error {
	query := exchange.query()
	if c.algorithm == "" {
		if auth := exchange.Header.Get("Authorization"); !strings.HasPrefix(auth, "ACS3-HMAC-SHA256 ") {
			return fmt.Errorf("Authorization = %q, want an ACS3-HMAC-SHA256 signature", auth)
		}
		if exchange.Header.Get("x-acs-action") == "" {
			return errors.New("no x-acs-action header")
		}
		if query.Has("Action") || query.Has("Signature") {
			return errors.New("signature V1 parameters in a V3 request")
		}
		return nil
	}
	if query.Get("SignatureMethod") != "HMAC-SHA1" || query.Get("Signature") == "" || query.Get("Action") == "" {
		return errors.New("want Action, SignatureMethod=HMAC-SHA1 and Signature in the query")
	}
	return nil
}

// legacyClient is github.com/aliyun/alibaba-cloud-sdk-go/services/kms.
type legacyClient struct {
	client *legacykms.Client
	host   string
	method string
	format string
}

func newLegacyClient(t *testing.T, server *sdkServer, method, format string, creds credentials) *legacyClient {
	t.Helper()
	client, err := legacykms.NewClientWithAccessKey(testRegion, creds.id, creds.secret)
	if err != nil {
		t.Fatalf("alibaba-cloud-sdk-go kms.NewClientWithAccessKey: %v", err)
	}
	t.Cleanup(client.Shutdown)
	return &legacyClient{client: client, host: server.Host, method: method, format: format}
}

// prepare points a request at the loopback server. An empty Domain would
// make the SDK resolve a public endpoint.
func (c *legacyClient) prepare(request *requests.RpcRequest) {
	request.Domain = c.host
	request.Scheme = "http"
	request.Method = c.method
	request.AcceptFormat = c.format
}

func (c *legacyClient) CreateKey(description string) (sdkKey, error) {
	request := legacykms.CreateCreateKeyRequest()
	c.prepare(request.RpcRequest)
	request.Description = description
	reply, err := c.client.CreateKey(request)
	if err != nil {
		return sdkKey{}, err
	}
	metadata := reply.KeyMetadata
	return sdkKey{
		KeyID: metadata.KeyId, Arn: metadata.Arn, Description: metadata.Description,
		KeyState: metadata.KeyState, Creator: metadata.Creator,
	}, nil
}

func (c *legacyClient) DescribeKey(keyID string) (sdkKey, error) {
	request := legacykms.CreateDescribeKeyRequest()
	c.prepare(request.RpcRequest)
	request.KeyId = keyID
	reply, err := c.client.DescribeKey(request)
	if err != nil {
		return sdkKey{}, err
	}
	metadata := reply.KeyMetadata
	return sdkKey{
		KeyID: metadata.KeyId, Arn: metadata.Arn, Description: metadata.Description,
		KeyState: metadata.KeyState, Creator: metadata.Creator,
	}, nil
}

func (c *legacyClient) CreateAlias(aliasName, keyID string) error {
	request := legacykms.CreateCreateAliasRequest()
	c.prepare(request.RpcRequest)
	request.AliasName = aliasName
	request.KeyId = keyID
	_, err := c.client.CreateAlias(request)
	return err
}

func (c *legacyClient) ListAliasesByKeyId(keyID string, pageNumber, pageSize int) (sdkAliasPage, error) {
	request := legacykms.CreateListAliasesByKeyIdRequest()
	c.prepare(request.RpcRequest)
	request.KeyId = keyID
	request.PageNumber = requests.NewInteger(pageNumber)
	request.PageSize = requests.NewInteger(pageSize)
	reply, err := c.client.ListAliasesByKeyId(request)
	if err != nil {
		return sdkAliasPage{}, err
	}
	page := sdkAliasPage{
		PageNumber: reply.PageNumber, PageSize: reply.PageSize, TotalCount: reply.TotalCount, Aliases: []sdkAlias{},
	}
	for _, alias := range reply.Aliases.Alias {
		page.Aliases = append(page.Aliases, sdkAlias{KeyID: alias.KeyId, AliasArn: alias.AliasArn, AliasName: alias.AliasName})
	}
	return page, nil
}

func (c *legacyClient) failure(err error) (sdkFailure, error) {
	var serverErr *legacyerrors.ServerError
	if !errors.As(err, &serverErr) {
		return sdkFailure{}, fmt.Errorf("error of type %T, want *errors.ServerError: %v", err, err)
	}
	return sdkFailure{
		Code: serverErr.ErrorCode(), Status: serverErr.HttpStatus(), RequestID: serverErr.RequestId(),
		Message: serverErr.Message(), Recommend: serverErr.Recommend(),
	}, nil
}

func (c *legacyClient) checkRequest(exchange sdkExchange) error {
	if exchange.Method != c.method {
		return fmt.Errorf("method %s, want %s", exchange.Method, c.method)
	}
	query := exchange.query()
	if query.Get("SignatureMethod") != "HMAC-SHA1" || query.Get("Signature") == "" || query.Get("Action") == "" {
		return errors.New("want Action, SignatureMethod=HMAC-SHA1 and Signature in the query")
	}
	if !strings.EqualFold(query.Get("Format"), c.format) {
		return fmt.Errorf("Format=%q, want %s", query.Get("Format"), c.format)
	}
	return nil
}

// sdkCreateKey creates a key through the SDK and stops the test if it fails.
func sdkCreateKey(t *testing.T, server *sdkServer, client sdkClient, description string) sdkKey {
	t.Helper()
	key, err := client.CreateKey(description)
	if err != nil {
		t.Fatalf("CreateKey: %v\n%s", err, server.last())
	}
	if key.KeyID == "" {
		t.Fatalf("CreateKey: the SDK decoded an empty KeyId\n%s", server.last())
	}
	return key
}

func sdkCreateAlias(t *testing.T, server *sdkServer, client sdkClient, aliasName, keyID string) {
	t.Helper()
	if err := client.CreateAlias(aliasName, keyID); err != nil {
		t.Fatalf("CreateAlias %s: %v\n%s", aliasName, err, server.last())
	}
}

func keyArn(keyID string) string {
	return "acs:kms:" + testRegion + ":" + testAccount + ":key/" + keyID
}

func aliasArn(aliasName string) string {
	return "acs:kms:" + testRegion + ":" + testAccount + ":" + aliasName
}

// expectSDKFailure checks the error an SDK call returned against the API
// error the contract names for it, and that the request ID the SDK reports
// is the one in the response header. It returns the failure for further
// checks.
func expectSDKFailure(t *testing.T, server *sdkServer, client sdkClient, err error, status int, code string) sdkFailure {
	t.Helper()
	exchange := server.last()
	if err == nil {
		t.Fatalf("the call succeeded, want %d %s\n%s", status, code, exchange)
	}
	failure, typeErr := client.failure(err)
	if typeErr != nil {
		t.Fatalf("the SDK did not report an API error: %v\n%s", typeErr, exchange)
	}
	if failure.Code != code {
		t.Errorf("the SDK reports code %q, want %q\n%s", failure.Code, code, exchange)
	}
	if failure.Status != status {
		t.Errorf("the SDK reports HTTP status %d, want %d\n%s", failure.Status, status, exchange)
	}
	if want := exchange.ResponseHeader.Get("x-acs-request-id"); failure.RequestID == "" || failure.RequestID != want {
		t.Errorf("the SDK reports request ID %q, want %q from the x-acs-request-id header\n%s", failure.RequestID, want, exchange)
	}
	return failure
}

func TestSDKDescriptionRoundTrip(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		created := sdkCreateKey(t, server, client, sdkDescription)
		if created.Description != sdkDescription {
			t.Errorf("CreateKey returned Description %q, want %q unchanged\n%s", created.Description, sdkDescription, server.last())
		}
		if created.Arn != keyArn(created.KeyID) {
			t.Errorf("CreateKey returned Arn %q, want %q\n%s", created.Arn, keyArn(created.KeyID), server.last())
		}
		if created.KeyState != "Enabled" {
			t.Errorf("CreateKey returned KeyState %q, want Enabled\n%s", created.KeyState, server.last())
		}
		if created.Creator != testAccount {
			t.Errorf("CreateKey returned Creator %q, want the account %s\n%s", created.Creator, testAccount, server.last())
		}

		described, err := client.DescribeKey(created.KeyID)
		if err != nil {
			t.Fatalf("DescribeKey: %v\n%s", err, server.last())
		}
		if described.Description != sdkDescription {
			t.Errorf("DescribeKey returned Description %q, want %q unchanged\n%s", described.Description, sdkDescription, server.last())
		}
	})
}

func TestSDKListAliasesPaged(t *testing.T) {
	const aliasCount, pageSize = 25, 10
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		key := sdkCreateKey(t, server, client, "paged aliases")
		other := sdkCreateKey(t, server, client, "another key")
		sdkCreateAlias(t, server, client, "alias/sdk-other", other.KeyID)
		var want []string
		// Created in reverse order, so that a server listing in insertion
		// order fails the order check.
		for i := aliasCount - 1; i >= 0; i-- {
			name := fmt.Sprintf("alias/sdk_%02d/x-y", i)
			sdkCreateAlias(t, server, client, name, key.KeyID)
			want = append(want, name)
		}
		slices.Sort(want)

		var got []string
		wantPages := (aliasCount + pageSize - 1) / pageSize
		for pageNumber := 1; pageNumber <= wantPages+1; pageNumber++ {
			page, err := client.ListAliasesByKeyId(key.KeyID, pageNumber, pageSize)
			if err != nil {
				t.Fatalf("ListAliasesByKeyId page %d: %v\n%s", pageNumber, err, server.last())
			}
			exchange := server.last()
			expectJSONIntegers(t, exchange, "PageNumber", "PageSize", "TotalCount")
			if page.PageNumber != pageNumber {
				t.Errorf("page %d: the SDK decoded PageNumber %d, want %d\n%s", pageNumber, page.PageNumber, pageNumber, exchange)
			}
			if page.PageSize != pageSize {
				t.Errorf("page %d: the SDK decoded PageSize %d, want %d\n%s", pageNumber, page.PageSize, pageSize, exchange)
			}
			if page.TotalCount != aliasCount {
				t.Errorf("page %d: the SDK decoded TotalCount %d, want %d\n%s", pageNumber, page.TotalCount, aliasCount, exchange)
			}
			wantLength := min(pageSize, max(0, aliasCount-(pageNumber-1)*pageSize))
			if len(page.Aliases) != wantLength {
				t.Errorf("page %d contains %d aliases, want %d\n%s", pageNumber, len(page.Aliases), wantLength, exchange)
			}
			for _, alias := range page.Aliases {
				if alias.KeyID != key.KeyID {
					t.Errorf("alias %s: KeyId %q, want the bare key ID %q", alias.AliasName, alias.KeyID, key.KeyID)
				}
				if alias.AliasArn != aliasArn(alias.AliasName) {
					t.Errorf("alias %s: AliasArn %q, want %q", alias.AliasName, alias.AliasArn, aliasArn(alias.AliasName))
				}
				got = append(got, alias.AliasName)
			}
			if len(page.Aliases) == 0 || len(got) >= page.TotalCount {
				if pageNumber != wantPages {
					t.Errorf("paging ended on page %d, want %d pages of %d for %d aliases", pageNumber, wantPages, pageSize, aliasCount)
				}
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("aliases read over all pages (in order):\n%q\nwant each of the key's aliases once, in byte order:\n%q", got, want)
		}
	})
}

// expectJSONIntegers checks that the fields of a recorded JSON body are JSON
// numbers: both SDKs decode a quoted "10" into an integer field without
// complaint, so the decoded value alone cannot tell.
func expectJSONIntegers(t *testing.T, exchange sdkExchange, fields ...string) {
	t.Helper()
	decoder := json.NewDecoder(strings.NewReader(exchange.ResponseBody))
	decoder.UseNumber()
	var body map[string]any
	if err := decoder.Decode(&body); err != nil {
		t.Errorf("response body is not a JSON object: %v\n%s", err, exchange)
		return
	}
	for _, field := range fields {
		if _, ok := body[field].(json.Number); !ok {
			t.Errorf("%s = %#v in the body, want a JSON number\n%s", field, body[field], exchange)
		}
	}
}

func TestSDKListAliasesByKeyArn(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		key := sdkCreateKey(t, server, client, "listed by ARN")
		sdkCreateAlias(t, server, client, "alias/by-arn", key.KeyID)

		page, err := client.ListAliasesByKeyId(keyArn(key.KeyID), 1, 10)
		if err != nil {
			t.Fatalf("ListAliasesByKeyId with key ARN %s: %v\n%s", keyArn(key.KeyID), err, server.last())
		}
		if page.TotalCount != 1 {
			t.Errorf("ListAliasesByKeyId by key ARN: TotalCount %d, want 1\n%s", page.TotalCount, server.last())
		}
		want := []sdkAlias{{KeyID: key.KeyID, AliasArn: aliasArn("alias/by-arn"), AliasName: "alias/by-arn"}}
		if !slices.Equal(page.Aliases, want) {
			t.Errorf("ListAliasesByKeyId by key ARN: aliases %+v, want %+v with the bare KeyId\n%s", page.Aliases, want, server.last())
		}
	})
}

func TestSDKDescribeKeyForms(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		key := sdkCreateKey(t, server, client, "described")
		sdkCreateAlias(t, server, client, "alias/described", key.KeyID)

		for _, form := range []struct{ name, keyID string }{
			{"key ID", key.KeyID},
			{"key ARN", keyArn(key.KeyID)},
			{"alias name", "alias/described"},
			{"alias ARN", aliasArn("alias/described")},
		} {
			described, err := client.DescribeKey(form.keyID)
			if err != nil {
				t.Errorf("DescribeKey by %s %s: %v\n%s", form.name, form.keyID, err, server.last())
				continue
			}
			if described.KeyID != key.KeyID {
				t.Errorf("DescribeKey by %s: KeyId %q, want the bare key ID %q\n%s", form.name, described.KeyID, key.KeyID, server.last())
			}
			if described.Arn != keyArn(key.KeyID) {
				t.Errorf("DescribeKey by %s: Arn %q, want %q\n%s", form.name, described.Arn, keyArn(key.KeyID), server.last())
			}
			if described.Description != "described" {
				t.Errorf("DescribeKey by %s: Description %q, want %q\n%s", form.name, described.Description, "described", server.last())
			}
		}
	})
}

func TestSDKUnknownKeyError(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		const missing = "0b4dc1a1-5b0a-4e6e-9a55-1f3a5c2d7e90"

		_, err := client.DescribeKey(missing)
		t.Run("describe", func(t *testing.T) {
			expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.KeyNotFound")
		})

		_, err = client.ListAliasesByKeyId(missing, 1, 10)
		t.Run("list", func(t *testing.T) {
			expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.KeyNotFound")
		})
	})
}

func TestSDKDuplicateAliasError(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		first := sdkCreateKey(t, server, client, "first")
		second := sdkCreateKey(t, server, client, "second")
		sdkCreateAlias(t, server, client, "alias/taken", first.KeyID)

		err := client.CreateAlias("alias/taken", second.KeyID)
		expectSDKFailure(t, server, client, err, http.StatusBadRequest, "AliasAlreadyExists")

		page, err := client.ListAliasesByKeyId(second.KeyID, 1, 10)
		if err != nil {
			t.Fatalf("ListAliasesByKeyId: %v\n%s", err, server.last())
		}
		if page.TotalCount != 0 {
			t.Errorf("ListAliasesByKeyId of the second key: TotalCount %d after the rejected CreateAlias, want 0\n%s", page.TotalCount, server.last())
		}
		if len(page.Aliases) != 0 {
			t.Errorf("the rejected alias is listed under the second key: %+v\n%s", page.Aliases, server.last())
		}
	})
}

func TestSDKBadPageSizeError(t *testing.T) {
	forEachSDK(t, func(t *testing.T, server *sdkServer, client sdkClient) {
		key := sdkCreateKey(t, server, client, "paged")

		_, err := client.ListAliasesByKeyId(key.KeyID, 1, 102)
		expectSDKFailure(t, server, client, err, http.StatusBadRequest, "InvalidParameter")
	})
}

// TestSDKLegacyXMLFormat runs the legacy SDK with AcceptFormat XML, which
// makes it send Format=XML and decode the response with encoding/xml.
func TestSDKLegacyXMLFormat(t *testing.T) {
	unsetProxies(t)
	for _, method := range []string{requests.GET, requests.POST} {
		t.Run(method, func(t *testing.T) {
			server := startSDKServer(t)
			client := newLegacyClient(t, server, method, "XML", sdkCredentials)

			key := sdkCreateKey(t, server, client, sdkDescription)
			expectXML(t, server.last(), "CreateKeyResponse")
			if key.Description != sdkDescription {
				t.Errorf("CreateKey in XML: Description %q, want %q unchanged\n%s", key.Description, sdkDescription, server.last())
			}
			if key.Arn != keyArn(key.KeyID) {
				t.Errorf("CreateKey in XML: Arn %q, want %q\n%s", key.Arn, keyArn(key.KeyID), server.last())
			}
			for _, name := range []string{"alias/xml-c", "alias/xml-a", "alias/xml-b"} {
				sdkCreateAlias(t, server, client, name, key.KeyID)
			}
			expectXML(t, server.last(), "CreateAliasResponse")

			described, err := client.DescribeKey("alias/xml-a")
			if err != nil {
				t.Fatalf("DescribeKey in XML: %v\n%s", err, server.last())
			}
			expectXML(t, server.last(), "DescribeKeyResponse")
			if described.KeyID != key.KeyID {
				t.Errorf("DescribeKey in XML by alias name: KeyId %q, want %q\n%s", described.KeyID, key.KeyID, server.last())
			}
			if described.Description != sdkDescription {
				t.Errorf("DescribeKey in XML: Description %q, want %q unchanged\n%s", described.Description, sdkDescription, server.last())
			}

			page, err := client.ListAliasesByKeyId(key.KeyID, 2, 2)
			if err != nil {
				t.Fatalf("ListAliasesByKeyId in XML: %v\n%s", err, server.last())
			}
			expectXML(t, server.last(), "ListAliasesByKeyIdResponse")
			if page.PageNumber != 2 {
				t.Errorf("ListAliasesByKeyId in XML: PageNumber %d, want 2\n%s", page.PageNumber, server.last())
			}
			if page.PageSize != 2 {
				t.Errorf("ListAliasesByKeyId in XML: PageSize %d, want 2\n%s", page.PageSize, server.last())
			}
			if page.TotalCount != 3 {
				t.Errorf("ListAliasesByKeyId in XML: TotalCount %d, want 3\n%s", page.TotalCount, server.last())
			}
			want := []sdkAlias{{KeyID: key.KeyID, AliasArn: aliasArn("alias/xml-c"), AliasName: "alias/xml-c"}}
			if !slices.Equal(page.Aliases, want) {
				t.Errorf("ListAliasesByKeyId in XML, page 2 of size 2: aliases %+v, want %+v\n%s", page.Aliases, want, server.last())
			}

			page, err = client.ListAliasesByKeyId(key.KeyID, 1, 2)
			if err != nil {
				t.Fatalf("ListAliasesByKeyId in XML: %v\n%s", err, server.last())
			}
			if names := aliasNames(page.Aliases); !slices.Equal(names, []string{"alias/xml-a", "alias/xml-b"}) {
				t.Errorf("ListAliasesByKeyId in XML, page 1 of size 2: aliases %q, want alias/xml-a and alias/xml-b (two <Alias> elements decoded)\n%s",
					names, server.last())
			}

			// This SDK reads error codes from JSON bodies only, so an XML error
			// is checked by its status line, which the SDK does report.
			_, err = client.DescribeKey("alias/xml-missing")
			var serverErr *legacyerrors.ServerError
			if !errors.As(err, &serverErr) {
				t.Fatalf("DescribeKey of a missing alias in XML: error %T %v, want *errors.ServerError\n%s", err, err, server.last())
			}
			if serverErr.HttpStatus() != http.StatusNotFound {
				t.Errorf("DescribeKey of a missing alias in XML: the SDK reports HTTP status %d, want 404\n%s", serverErr.HttpStatus(), server.last())
			}
			expectXML(t, server.last(), "Error")

			checkRequests(t, server, client)
		})
	}
}

func aliasNames(aliases []sdkAlias) []string {
	names := make([]string, 0, len(aliases))
	for _, alias := range aliases {
		names = append(names, alias.AliasName)
	}
	return names
}

// expectXML checks that a recorded response is the XML the contract names:
// declaration, root element and content type.
func expectXML(t *testing.T, exchange sdkExchange, root string) {
	t.Helper()
	if got := exchange.ResponseHeader.Get("Content-Type"); got != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type %q, want text/xml;charset=utf-8\n%s", got, exchange)
	}
	if !strings.HasPrefix(exchange.ResponseBody, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("the XML body does not start with the XML declaration\n%s", exchange)
	}
	decoder := xml.NewDecoder(strings.NewReader(exchange.ResponseBody))
	for {
		token, err := decoder.Token()
		if err != nil {
			t.Errorf("no root element in the XML body: %v\n%s", err, exchange)
			return
		}
		if start, ok := token.(xml.StartElement); ok {
			if start.Name.Local != root {
				t.Errorf("XML root element <%s>, want <%s>\n%s", start.Name.Local, root, exchange)
			}
			return
		}
	}
}
