package signature

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPercentEncode(t *testing.T) {
	cases := map[string]string{
		"":                  "",
		"AZaz09-_.~":        "AZaz09-_.~",
		"a b":               "a%20b",
		"*":                 "%2A",
		"+":                 "%2B",
		"%20":               "%2520",
		"=&/?#;,":           "%3D%26%2F%3F%23%3B%2C",
		"中":                 "%E4%B8%AD",
		"é":                 "%C3%A9",
		"\x00\xff":          "%00%FF",
		"2016-03-28T03:13Z": "2016-03-28T03%3A13Z",
	}
	for input, want := range cases {
		if got := PercentEncode(input); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", input, got, want)
		}
	}
}

// TestV1StringToSignContractVector checks the V1 example that the API
// documentation gives: secret "testsecret", GET, seven parameters.
func TestV1StringToSignContractVector(t *testing.T) {
	params := map[string]string{
		"AccessKeyId": "testid", "Action": "CreateKey", "Format": "json", "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "Timestamp": "2016-03-28T03:13:08Z", "Version": "2016-01-20",
	}
	if got := SignV1("GET", params, "testsecret"); got != "41wk2SSX1GJh7fwnc5eqOfiJPFg=" {
		t.Errorf("SignV1 = %s, want 41wk2SSX1GJh7fwnc5eqOfiJPFg=", got)
	}
}

func TestParseTimestamp(t *testing.T) {
	valid, err := ParseTimestamp("2016-03-28T03:13:08Z")
	if err != nil {
		t.Fatalf("ParseTimestamp of a valid value: %v", err)
	}
	if want := time.Date(2016, 3, 28, 3, 13, 8, 0, time.UTC); !valid.Equal(want) {
		t.Errorf("ParseTimestamp = %v, want %v", valid, want)
	}

	for _, value := range []string{
		"", "2016-03-28", "2016-03-28 03:13:08", "2016-03-28T03:13:08", "2016-03-28T03:13:08.123Z",
		"2016-03-28T03:13:08+08:00", "2016-3-28T03:13:08Z", "2016-02-30T03:13:08Z", "1459134788",
		" 2016-03-28T03:13:08Z", "2016-03-28t03:13:08z",
	} {
		if _, err := ParseTimestamp(value); err == nil {
			t.Errorf("ParseTimestamp(%q) succeeded, want an error", value)
		}
	}
}

// v1Params returns the parameters of a complete V1 request.
func v1Params() map[string]string {
	return map[string]string{
		"Action": "DescribeKey", "Version": "2016-01-20", "KeyId": "alias/a", "AccessKeyId": "LTAIexample",
		"Signature": "c2lnbmF0dXJl", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": "n1", "Timestamp": "2016-03-28T03:13:08Z", "SignatureType": "",
	}
}

func expectParseError(t *testing.T, r Request, kind ErrorKind, field string) {
	t.Helper()
	_, err := Parse(r)
	var parseErr *Error
	if !errors.As(err, &parseErr) {
		t.Fatalf("Parse error = %v, want *Error of kind %d on %s", err, kind, field)
	}
	if parseErr.Kind != kind {
		t.Errorf("error kind = %d, want %d (%v)", parseErr.Kind, kind, parseErr)
	}
	if parseErr.Field != field {
		t.Errorf("error field = %q, want %q (%v)", parseErr.Field, field, parseErr)
	}
}

func TestParseV1Errors(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(map[string]string)
		kind  ErrorKind
		field string
	}{
		{"no parameters at all", func(p map[string]string) { clear(p) }, KindMissing, "AccessKeyId"},
		{"no AccessKeyId", func(p map[string]string) { delete(p, "AccessKeyId") }, KindMissing, "AccessKeyId"},
		{"empty Signature", func(p map[string]string) { p["Signature"] = "" }, KindMissing, "Signature"},
		{"no SignatureNonce", func(p map[string]string) { delete(p, "SignatureNonce") }, KindMissing, "SignatureNonce"},
		{"no Timestamp", func(p map[string]string) { delete(p, "Timestamp") }, KindMissing, "Timestamp"},
		{"malformed Timestamp", func(p map[string]string) { p["Timestamp"] = "2016-03-28 03:13:08" }, KindTimestampFormat, "Timestamp"},
		{"SecurityToken", func(p map[string]string) { p["SecurityToken"] = "sts-token" }, KindUnsupported, "SecurityToken"},
		{"SignatureMethod", func(p map[string]string) { p["SignatureMethod"] = "HMAC-SHA256" }, KindUnsupported, "SignatureMethod"},
		{"SignatureVersion", func(p map[string]string) { p["SignatureVersion"] = "2.0" }, KindUnsupported, "SignatureVersion"},
		{"SignatureType", func(p map[string]string) { p["SignatureType"] = "BEARERTOKEN" }, KindUnsupported, "SignatureType"},
		{"overlong nonce", func(p map[string]string) { p["SignatureNonce"] = strings.Repeat("n", 256) }, KindUnsupported, "SignatureNonce"},
		{"nonce with a control character", func(p map[string]string) { p["SignatureNonce"] = "n\x01" }, KindUnsupported, "SignatureNonce"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := v1Params()
			tc.edit(params)
			expectParseError(t, Request{Method: "GET", Params: params}, tc.kind, tc.field)
		})
	}
}

func TestParseV1Accepts(t *testing.T) {
	params := v1Params()
	delete(params, "SignatureMethod")
	delete(params, "SignatureVersion")
	params["SignatureNonce"] = strings.Repeat("n", 255)

	signed, err := Parse(Request{Method: "GET", Params: params})
	if err != nil {
		t.Fatalf("Parse without the optional SignatureMethod and SignatureVersion: %v", err)
	}
	if signed.Scheme != SchemeV1 || signed.AccessKeyID != "LTAIexample" || signed.Nonce != params["SignatureNonce"] {
		t.Errorf("Parse = scheme %v, access key %q, nonce %q", signed.Scheme, signed.AccessKeyID, signed.Nonce)
	}

	// A Signature that is not base64 is a wrong signature, not a malformed
	// request.
	params["Signature"] = "not base64!"
	signed, err = Parse(Request{Method: "GET", Params: params})
	if err != nil {
		t.Fatalf("Parse with a non-base64 Signature: %v", err)
	}
	if err := signed.Verify("secret"); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("Verify = %v, want ErrSignatureMismatch", err)
	}
}

// v3Request returns a complete, correctly signed V3 request.
func v3Request(t *testing.T, body string) (*http.Request, Request) {
	t.Helper()
	r, err := http.NewRequest("POST", "http://127.0.0.1:8080/?KeyId=alias%2Fa", strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	r.Header.Set("x-acs-action", "DescribeKey")
	r.Header.Set("x-acs-version", "2016-01-20")
	r.Header.Set("x-acs-date", "2016-03-28T03:13:08Z")
	r.Header.Set("x-acs-signature-nonce", "n1")
	if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err := SignV3(r, []byte(body), "LTAIexample", "secret"); err != nil {
		t.Fatalf("SignV3: %v", err)
	}
	return r, toRequest(r, body)
}

func toRequest(r *http.Request, body string) Request {
	query, _ := url.ParseQuery(r.URL.RawQuery)
	return Request{Method: r.Method, Host: r.Host, Header: r.Header, Query: query, Params: map[string]string{}, Body: []byte(body)}
}

func TestParseV3Accepts(t *testing.T) {
	_, request := v3Request(t, "Description=a+b")
	signed, err := Parse(request)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := signed.Verify("secret"); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if signed.Scheme != SchemeV3 || signed.AccessKeyID != "LTAIexample" || signed.Nonce != "n1" {
		t.Errorf("Parse = scheme %v, access key %q, nonce %q", signed.Scheme, signed.AccessKeyID, signed.Nonce)
	}
}

func TestParseV3Errors(t *testing.T) {
	const validSignature = "98a3f17964e976340d85e1c5dad028d99472520e09f2ef6c9015a6a6e71bb574"
	const allHeaders = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"

	cases := []struct {
		name  string
		edit  func(r *http.Request)
		body  string
		kind  ErrorKind
		field string
	}{
		{"unknown algorithm", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SM3 Credential=a,SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, "", KindIncomplete, "Authorization"},
		{"algorithm alone", func(r *http.Request) { r.Header.Set("Authorization", "ACS3-HMAC-SHA256") }, "", KindIncomplete, "Authorization"},
		{"empty header", func(r *http.Request) { r.Header.Set("Authorization", "") }, "", KindIncomplete, "Authorization"},
		{"no Credential", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"empty Credential", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=,SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"repeated field", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"unknown field", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,Scope=x,SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"short signature", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders="+allHeaders+",Signature=abcd")
		}, "", KindIncomplete, "Authorization"},
		{"signature not hex", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders="+allHeaders+",Signature="+strings.Repeat("zz", 32))
		}, "", KindIncomplete, "Authorization"},
		{"header named twice", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;"+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"empty header name", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=;"+allHeaders+",Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"two Authorization headers", func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, "", KindIncomplete, "Authorization"},
		{"x-acs-action unsigned", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"host unsigned", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="+validSignature)
		}, "", KindIncomplete, "Authorization"},
		{"content-type unsigned with a body", func(r *http.Request) {
			r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders="+allHeaders+",Signature="+validSignature)
		}, "KeyId=a", KindIncomplete, "Authorization"},
		{"x-acs-date missing", func(r *http.Request) { r.Header.Del("x-acs-date") }, "", KindIncomplete, "x-acs-date"},
		{"nonce missing", func(r *http.Request) { r.Header.Del("x-acs-signature-nonce") }, "", KindIncomplete, "x-acs-signature-nonce"},
		{"body hash missing", func(r *http.Request) { r.Header.Del("x-acs-content-sha256") }, "", KindIncomplete, "x-acs-content-sha256"},
		{"host missing", func(r *http.Request) { r.Host = "" }, "", KindIncomplete, "host"},
		{"x-acs-date malformed", func(r *http.Request) { r.Header.Set("x-acs-date", "Mon, 28 Mar 2016 03:13:08 GMT") }, "", KindTimestampFormat, "x-acs-date"},
		{"security token", func(r *http.Request) { r.Header.Set("x-acs-security-token", "sts") }, "", KindUnsupported, "x-acs-security-token"},
		{"overlong nonce", func(r *http.Request) { r.Header.Set("x-acs-signature-nonce", strings.Repeat("n", 256)) }, "", KindUnsupported, "x-acs-signature-nonce"},
		{"nonce not UTF-8", func(r *http.Request) { r.Header.Set("x-acs-signature-nonce", "n\xff") }, "", KindUnsupported, "x-acs-signature-nonce"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := v3Request(t, tc.body)
			tc.edit(r)
			expectParseError(t, toRequest(r, tc.body), tc.kind, tc.field)
		})
	}
}

func TestParseAuthorizationSortsHeaders(t *testing.T) {
	auth, err := ParseAuthorization("ACS3-HMAC-SHA256  Credential=id , SignedHeaders=X-ACS-Date;Host , Signature=" + strings.Repeat("ab", 32))
	if err != nil {
		t.Fatalf("ParseAuthorization: %v", err)
	}
	if got := strings.Join(auth.SignedHeaders, ";"); got != "host;x-acs-date" {
		t.Errorf("SignedHeaders = %q, want lowercase and sorted host;x-acs-date", got)
	}
	if auth.AccessKeyID != "id" {
		t.Errorf("AccessKeyID = %q, want id", auth.AccessKeyID)
	}
}

func TestCanonicalQuery(t *testing.T) {
	query, err := url.ParseQuery("b=2&a=x+y&a=%2A&c=&d=%E4%B8%AD~")
	if err != nil {
		t.Fatalf("parse query: %v", err)
	}
	want := "a=%2A&a=x%20y&b=2&c=&d=%E4%B8%AD~"
	if got := CanonicalQuery(query); got != want {
		t.Errorf("CanonicalQuery = %q, want %q", got, want)
	}
}
