package signature

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary requests to Parse and checks three properties.
// Parse never panics and fails only with *Error. A request signed with
// SignV1 or SignV3 verifies with its secret and no other. The canonical
// query string decodes back to the same parameters.
//
// The seed corpus is every captured request in
// testdata/signature-vectors.json plus a few hand-made edge cases; run it
// longer with
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s ./internal/signature
func FuzzParse(f *testing.F) {
	for _, v := range loadVectors(f) {
		_, rawQuery, _ := strings.Cut(v.RequestURI, "?")
		authorization := ""
		if values := v.Headers["Authorization"]; len(values) > 0 {
			authorization = values[0]
		}
		f.Add(v.Method, rawQuery, authorization, "2026-12-04T19:42:36Z", v.Body, v.Secret)
	}
	f.Add("GET", "a=%2A+b&a=&%E4%B8%AD=~", "ACS3-HMAC-SHA256 Credential=,SignedHeaders=;,Signature=", "2016-03-28T03:13:08Z", "", "s")
	f.Add("POST", "Signature=x&Signature=y", "ACS3-HMAC-SHA256 Credential=a,Credential=b", "2016-02-30T03:13:08Z", "k=%zz", "")
	f.Add("PUT", "x=%ff%00", "Bearer  ", "2016-03-28T03:13:08.5Z", "\x00\xff", "\xff")

	f.Fuzz(func(t *testing.T, method, rawQuery, authorization, date, body, secret string) {
		query, queryErr := url.ParseQuery(rawQuery)
		if queryErr != nil {
			query = url.Values{}
		}
		params := map[string]string{}
		for name, values := range query {
			params[name] = values[0]
		}

		checkArbitraryRequest(t, method, query, params, authorization, date, body)
		checkCanonicalQuery(t, query)
		if queryErr == nil && method != "" {
			checkV1RoundTrip(t, method, params, date, secret)
			checkV3RoundTrip(t, method, rawQuery, date, body, secret)
		}
	})
}

func checkArbitraryRequest(t *testing.T, method string, query url.Values, params map[string]string, authorization, date, body string) {
	header := http.Header{}
	if authorization != "" {
		header.Set("Authorization", authorization)
	}
	header.Set("x-acs-date", date)
	header.Set("x-acs-signature-nonce", date)
	header.Set("x-acs-content-sha256", PayloadHash([]byte(body)))
	request := Request{Method: method, Host: "127.0.0.1:1", Header: header, Query: query, Params: params, Body: []byte(body)}

	signed, err := Parse(request)
	if err != nil {
		var parseErr *Error
		if !errors.As(err, &parseErr) {
			t.Fatalf("Parse failed with %T %v, want *Error", err, err)
		}
		return
	}
	if signed.AccessKeyID == "" || signed.Nonce == "" {
		t.Fatalf("Parse accepted a request without an access key ID or nonce: %+v", signed)
	}
	if signed.Scheme == SchemeV3 && !strings.HasPrefix(signed.StringToSign, AlgorithmV3+"\n") {
		t.Fatalf("V3 string to sign %q does not start with the algorithm", signed.StringToSign)
	}
	// The fuzzer's request was not signed with an empty secret.
	if signed.Verify("") == nil {
		t.Fatalf("an arbitrary request verified with an empty secret")
	}
}

func checkCanonicalQuery(t *testing.T, query url.Values) {
	canonical := CanonicalQuery(query)
	for i := 0; i < len(canonical); i++ {
		if c := canonical[i]; !isUnreserved(c) && c != '%' && c != '=' && c != '&' {
			t.Fatalf("canonical query %q contains %q, which RFC 3986 encoding leaves out", canonical, c)
		}
	}

	decoded, err := url.ParseQuery(canonical)
	if err != nil {
		t.Fatalf("canonical query %q does not decode: %v", canonical, err)
	}
	if again := CanonicalQuery(decoded); again != canonical {
		t.Fatalf("canonical query is not stable: %q, then %q", canonical, again)
	}
	if len(decoded) != len(query) {
		t.Fatalf("canonical query %q has %d parameter names, want %d", canonical, len(decoded), len(query))
	}
	for name, values := range query {
		want := slices.Sorted(slices.Values(values))
		if got := decoded[name]; !slices.Equal(got, want) {
			t.Fatalf("parameter %q decodes from the canonical query as %q, want %q", name, got, want)
		}
	}
}

func checkV1RoundTrip(t *testing.T, method string, params map[string]string, date, secret string) {
	params["AccessKeyId"] = "LTAIfuzz"
	params["SignatureNonce"] = "nonce"
	params["Timestamp"] = "2016-03-28T03:13:08Z"
	params["SignatureMethod"] = MethodV1
	params["SignatureVersion"] = VersionV1
	params["SignatureType"] = ""
	delete(params, "SecurityToken")
	params["Signature"] = SignV1(method, params, secret)

	signed, err := Parse(Request{Method: method, Params: params})
	if err != nil {
		t.Fatalf("Parse of a V1 request signed by SignV1: %v", err)
	}
	if err := signed.Verify(secret); err != nil {
		t.Fatalf("V1 round trip: %v; string to sign %q", err, signed.StringToSign)
	}
	if err := signed.Verify(secret + "x"); err == nil {
		t.Fatalf("V1 request verified with another secret")
	}
	params[date+"extra"] = date
	if tampered, err := Parse(Request{Method: method, Params: params}); err == nil && tampered.Verify(secret) == nil {
		t.Fatalf("V1 request verified after a parameter %q was added", date+"extra")
	}
}

func checkV3RoundTrip(t *testing.T, method, rawQuery, date, body, secret string) {
	if strings.ContainsAny(method, " \t\r\n") {
		return
	}
	r := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/", RawQuery: rawQuery},
		Host:   "127.0.0.1:1",
		Header: http.Header{},
	}
	r.Header.Set("x-acs-action", "DescribeKey")
	r.Header.Set("x-acs-version", "2016-01-20")
	r.Header.Set("x-acs-date", "2016-03-28T03:13:08Z")
	r.Header.Set("x-acs-signature-nonce", "nonce")
	r.Header.Set("x-acs-fuzz", date)
	if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err := SignV3(r, []byte(body), "LTAIfuzz", secret); err != nil {
		t.Fatalf("SignV3: %v", err)
	}

	query, _ := url.ParseQuery(rawQuery)
	request := Request{Method: method, Host: r.Host, Header: r.Header, Query: query, Params: map[string]string{}, Body: []byte(body)}
	signed, err := Parse(request)
	if err != nil {
		t.Fatalf("Parse of a V3 request signed by SignV3: %v", err)
	}
	if err := signed.Verify(secret); err != nil {
		t.Fatalf("V3 round trip: %v; canonical request %q", err, signed.CanonicalRequest)
	}
	if err := signed.Verify(secret + "x"); err == nil {
		t.Fatalf("V3 request verified with another secret")
	}

	request.Body = []byte(body + "x")
	if tampered, err := Parse(request); err == nil && tampered.Verify(secret) == nil {
		t.Fatalf("V3 request verified with another body")
	}
}
