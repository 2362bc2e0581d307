package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"kmsmeta/internal/pgtest"
)

// BenchmarkListAliasesByKeyId measures one request over loopback HTTP to the
// real server and PostgreSQL: a page of 10 from a key with 1,000 aliases,
// the last page included, with the client running GOMAXPROCS requests at a
// time. Authentication is off.
func BenchmarkListAliasesByKeyId(b *testing.B) {
	server := startServerOnB(b, pgtest.NewPool(b), testAccount)
	keyID := fillBenchmarkKey(b, server)

	benchmarkListPages(b, server.URL, func(query map[string]string) url.Values {
		values := url.Values{"Version": {"2016-01-20"}}
		for name, value := range query {
			values.Set(name, value)
		}
		return values
	}, keyID)
}

// BenchmarkListAliasesByKeyIdSigned is BenchmarkListAliasesByKeyId with
// every request signed (V1) by an access key: it adds the signature check
// and the nonce insert to each request.
func BenchmarkListAliasesByKeyIdSigned(b *testing.B) {
	pool := pgtest.NewPool(b)
	signing := startSigningServer(b, pool, time.Now().UTC())
	creds := signing.newAccessKey(b, testAccount)
	plain := startServerOnB(b, pool, testAccount)
	keyID := fillBenchmarkKey(b, plain)

	benchmarkListPages(b, signing.URL, func(query map[string]string) url.Values {
		values := url.Values{}
		for name, value := range signedV1(http.MethodGet, creds, time.Now().UTC(), query) {
			values.Set(name, value)
		}
		return values
	}, keyID)
}

// fillBenchmarkKey creates a key with 1,000 aliases and returns its ID.
func fillBenchmarkKey(b *testing.B, server *apiServer) string {
	b.Helper()
	keyID := server.createKeyB(b)
	for i := range 1000 {
		server.callB(b, url.Values{"Action": {"CreateAlias"}, "AliasName": {fmt.Sprintf("alias/bench-%04d", i)}, "KeyId": {keyID}})
	}
	return keyID
}

// benchmarkListPages sends ListAliasesByKeyId requests for pages 1 to 100
// in turn, with GOMAXPROCS requests in flight; encode turns the API
// parameters into the query string.
func benchmarkListPages(b *testing.B, serverURL string, encode func(map[string]string) url.Values, keyID string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		page := 0
		for pb.Next() {
			page = page%100 + 1
			query := encode(map[string]string{
				"Action": "ListAliasesByKeyId", "KeyId": keyID, "PageNumber": fmt.Sprint(page),
			})
			reply, err := client.Get(serverURL + "?" + query.Encode())
			if err != nil {
				b.Errorf("request: %v", err)
				return
			}
			_, _ = io.Copy(io.Discard, reply.Body)
			reply.Body.Close()
			if reply.StatusCode != http.StatusOK {
				b.Errorf("status %d", reply.StatusCode)
				return
			}
		}
	})
}
