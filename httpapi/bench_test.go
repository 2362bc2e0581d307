package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkListAliasesByKeyId measures one request over loopback HTTP to the
// real server and PostgreSQL: a page of 10 from a key with 1,000 aliases,
// the last page included, with the client running GOMAXPROCS requests at a
// time.
func BenchmarkListAliasesByKeyId(b *testing.B) {
	server := startServerForBenchmark(b)
	keyID := server.createKeyB(b)
	for i := range 1000 {
		server.callB(b, url.Values{"Action": {"CreateAlias"}, "AliasName": {fmt.Sprintf("alias/bench-%04d", i)}, "KeyId": {keyID}})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		page := 0
		for pb.Next() {
			page = page%100 + 1
			query := url.Values{
				"Action": {"ListAliasesByKeyId"}, "Version": {"2016-01-20"}, "KeyId": {keyID},
				"PageNumber": {fmt.Sprint(page)},
			}
			reply, err := client.Get(server.URL + "?" + query.Encode())
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
