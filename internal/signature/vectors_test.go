package signature

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

// vector is one request captured from an official client, as stored in
// testdata/signature-vectors.json.
type vector struct {
	Description       string              `json:"description"`
	AccessKeyID       string              `json:"accessKeyId"`
	Secret            string              `json:"secret"`
	Method            string              `json:"method"`
	RequestURI        string              `json:"requestURI"`
	Host              string              `json:"host"`
	Headers           map[string][]string `json:"headers"`
	Body              string              `json:"body"`
	Scheme            string              `json:"scheme"`
	StringToSign      string              `json:"stringToSign"`
	CanonicalRequest  string              `json:"canonicalRequest"`
	ExpectedSignature string              `json:"expectedSignature"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/signature-vectors.json")
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var vectors []vector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	if len(vectors) == 0 {
		t.Fatalf("testdata/signature-vectors.json holds no vectors")
	}
	return vectors
}

// rawRequest is a request as it travels, before a server parses it.
type rawRequest struct {
	method   string
	host     string
	header   http.Header
	rawQuery string
	body     string
}

func (v vector) raw() rawRequest {
	_, rawQuery, _ := strings.Cut(v.RequestURI, "?")
	return rawRequest{
		method:   v.Method,
		host:     v.Host,
		header:   http.Header(v.Headers).Clone(),
		rawQuery: rawQuery,
		body:     v.Body,
	}
}

// request decodes r the way the server's transport does: the query string,
// and a form body merged into the parameters.
func (r rawRequest) request(t testing.TB) Request {
	t.Helper()
	query, err := url.ParseQuery(r.rawQuery)
	if err != nil {
		t.Fatalf("parse query %q: %v", r.rawQuery, err)
	}
	params := map[string]string{}
	for name, values := range query {
		params[name] = values[0]
	}

	mediaType, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if r.body != "" && mediaType == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(r.body)
		if err != nil {
			t.Fatalf("parse form body %q: %v", r.body, err)
		}
		for name, values := range form {
			params[name] = values[0]
		}
	}

	return Request{Method: r.method, Host: r.host, Header: r.header, Query: query, Params: params, Body: []byte(r.body)}
}

func TestVectorsReplay(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Description, func(t *testing.T) {
			signed, err := Parse(v.raw().request(t))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}

			wantScheme := SchemeV1
			if strings.HasPrefix(v.Scheme, "V3") {
				wantScheme = SchemeV3
			}
			if signed.Scheme != wantScheme {
				t.Errorf("scheme = %v, want %v", signed.Scheme, wantScheme)
			}
			if signed.AccessKeyID != v.AccessKeyID {
				t.Errorf("access key ID = %q, want %q", signed.AccessKeyID, v.AccessKeyID)
			}
			if signed.CanonicalRequest != v.CanonicalRequest {
				t.Errorf("canonical request:\n%s\nwant:\n%s", signed.CanonicalRequest, v.CanonicalRequest)
			}
			if signed.StringToSign != v.StringToSign {
				t.Errorf("string to sign:\n%s\nwant:\n%s", signed.StringToSign, v.StringToSign)
			}
			if err := signed.Verify(v.Secret); err != nil {
				t.Errorf("Verify with the vector's secret: %v", err)
			}
			if got := signed.Timestamp.Format(TimestampLayout); got != "2026-12-04T19:42:36Z" {
				t.Errorf("timestamp = %s, want the vector's 2026-12-04T19:42:36Z", got)
			}
		})
	}
}

// TestVectorsSignedAgain signs each vector's request anew and expects the
// signature that the official client computed.
func TestVectorsSignedAgain(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Description, func(t *testing.T) {
			raw := v.raw()
			if !strings.HasPrefix(v.Scheme, "V3") {
				if got := SignV1(raw.method, raw.request(t).Params, v.Secret); got != v.ExpectedSignature {
					t.Errorf("SignV1 = %s, want %s", got, v.ExpectedSignature)
				}
				return
			}

			r, err := http.NewRequest(raw.method, "http://"+raw.host+v.RequestURI, strings.NewReader(raw.body))
			if err != nil {
				t.Fatalf("build request: %v", err)
			}
			for name, values := range raw.header {
				if strings.HasPrefix(strings.ToLower(name), "x-acs-") || strings.EqualFold(name, "Content-Type") {
					r.Header[name] = values
				}
			}
			if err := SignV3(r, []byte(raw.body), v.AccessKeyID, v.Secret); err != nil {
				t.Fatalf("SignV3: %v", err)
			}
			want := raw.header.Get("Authorization")
			if got := r.Header.Get("Authorization"); got != want {
				t.Errorf("SignV3 Authorization:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// expectRejected parses and verifies r with secret and fails unless the
// verification fails.
func expectRejected(t *testing.T, r Request, secret, change string) {
	t.Helper()
	signed, err := Parse(r)
	if err != nil {
		// A change that makes the request malformed is rejected too.
		return
	}
	if err := signed.Verify(secret); err == nil {
		t.Errorf("%s: the signature still verifies", change)
	}
}

func TestVectorsTamperedParameters(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Description, func(t *testing.T) {
			raw := v.raw()
			query, _ := url.ParseQuery(raw.rawQuery)
			if len(query) == 0 {
				t.Fatalf("vector has no query parameters to change")
			}

			for name := range query {
				if name == "Signature" {
					continue
				}
				changed := raw
				tampered := cloneValues(query)
				tampered.Set(name, tampered.Get(name)+"x")
				changed.rawQuery = tampered.Encode()
				expectRejected(t, changed.request(t), v.Secret, "changed query parameter "+name)

				removed := raw
				tampered = cloneValues(query)
				tampered.Del(name)
				removed.rawQuery = tampered.Encode()
				expectRejected(t, removed.request(t), v.Secret, "removed query parameter "+name)
			}

			added := raw
			tampered := cloneValues(query)
			tampered.Set("PageSize", "99")
			tampered.Set("Extra", "1")
			added.rawQuery = tampered.Encode()
			expectRejected(t, added.request(t), v.Secret, "added query parameter")
		})
	}
}

func TestVectorsTamperedHeaders(t *testing.T) {
	for _, v := range loadVectors(t) {
		if !strings.HasPrefix(v.Scheme, "V3") {
			continue
		}
		t.Run(v.Description, func(t *testing.T) {
			raw := v.raw()
			auth, err := ParseAuthorization(raw.header.Get("Authorization"))
			if err != nil {
				t.Fatalf("ParseAuthorization: %v", err)
			}

			for _, name := range auth.SignedHeaders {
				changed := raw
				changed.header = raw.header.Clone()
				if name == "host" {
					changed.host = "127.0.0.1:1"
				} else {
					changed.header.Set(name, changed.header.Get(name)+"0")
				}
				expectRejected(t, changed.request(t), v.Secret, "changed signed header "+name)
			}

			// Headers outside SignedHeaders may change, as proxies change them.
			unsigned := raw
			unsigned.header = raw.header.Clone()
			unsigned.header.Set("User-Agent", "another client")
			unsigned.header.Set("Accept-Encoding", "identity")
			signed, err := Parse(unsigned.request(t))
			if err != nil {
				t.Fatalf("Parse with unsigned headers changed: %v", err)
			}
			if err := signed.Verify(v.Secret); err != nil {
				t.Errorf("changing unsigned headers broke the signature: %v", err)
			}
		})
	}
}

func TestVectorsTamperedMethodBodySecret(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Description, func(t *testing.T) {
			raw := v.raw()

			method := raw
			method.method = map[string]string{"GET": "POST", "POST": "GET"}[raw.method]
			expectRejected(t, method.request(t), v.Secret, "changed method")

			// Signature V1 covers a form body through its parameters, V3
			// through x-acs-content-sha256.
			body := raw
			body.header = raw.header.Clone()
			body.header.Set("Content-Type", "application/x-www-form-urlencoded")
			body.body = raw.body + "&PageNumber=2"
			if raw.body == "" {
				body.body = "PageNumber=2"
			}
			expectRejected(t, body.request(t), v.Secret, "changed body")

			expectRejected(t, raw.request(t), v.Secret+"x", "wrong secret")
			expectRejected(t, raw.request(t), strings.ToLower(v.Secret), "secret in another case")
			expectRejected(t, raw.request(t), "", "empty secret")
		})
	}
}

func TestVerifyPayloadMismatch(t *testing.T) {
	for _, v := range loadVectors(t) {
		if !strings.HasPrefix(v.Scheme, "V3") {
			continue
		}
		raw := v.raw()
		raw.body = raw.body + " "
		signed, err := Parse(raw.request(t))
		if err != nil {
			t.Fatalf("%s: Parse: %v", v.Description, err)
		}
		if err := signed.Verify(v.Secret); !errors.Is(err, ErrPayloadMismatch) {
			t.Errorf("%s: Verify of a changed body = %v, want ErrPayloadMismatch", v.Description, err)
		}
	}
}

func cloneValues(values url.Values) url.Values {
	clone := url.Values{}
	for name, list := range values {
		clone[name] = slices.Clone(list)
	}
	return clone
}
