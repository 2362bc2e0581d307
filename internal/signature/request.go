package signature

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Request is the part of a received HTTP request that a signature covers.
type Request struct {
	// Method is the HTTP method, such as GET or POST.
	Method string

	// Host is the Host header, as http.Request.Host holds it.
	Host string

	Header http.Header

	// Query is the decoded query string alone, which signature V3 signs.
	Query url.Values

	// Params is the query string and form body merged into one value per
	// name, which signature V1 signs.
	Params map[string]string

	// Body is the raw request body, whose SHA-256 signature V3 signs.
	Body []byte
}

// Signed is a parsed signed request whose secret is not known yet.
type Signed struct {
	Scheme      Scheme
	AccessKeyID string
	Nonce       string
	Timestamp   time.Time

	// StringToSign is the server's string to sign. The legacy Alibaba Cloud
	// Go SDK compares it with its own when a signature does not match.
	StringToSign string

	// CanonicalRequest is the V3 canonical request; it is empty for V1.
	CanonicalRequest string

	// signature is the decoded signature that the client sent; nil when it
	// could not be decoded, so that it matches nothing.
	signature []byte

	// claimedPayloadHash is x-acs-content-sha256 and payloadHash the SHA-256
	// of the body that arrived, both in hexadecimal (V3 only).
	claimedPayloadHash string
	payloadHash        string
}

// Parse reads the signature fields of r, checks that they are complete and
// well formed, and computes the server's string to sign. A request with an
// Authorization header is V3; any other is V1. Errors are *Error.
//
// Parse checks neither the timestamp window nor the nonce, because both
// need a clock or storage; the caller does.
func Parse(r Request) (*Signed, error) {
	if authorization := r.Header.Values("Authorization"); len(authorization) > 0 {
		return parseV3(r, authorization)
	}
	return parseV1(r)
}

// Verify checks the signature with the access key's secret. It returns
// ErrPayloadMismatch when a V3 body does not match its x-acs-content-sha256,
// and ErrSignatureMismatch when the signature is wrong.
func (s *Signed) Verify(secret string) error {
	var expected []byte
	switch s.Scheme {
	case SchemeV1:
		expected = hmacSHA1(secret+"&", s.StringToSign)
	case SchemeV3:
		if s.claimedPayloadHash != s.payloadHash {
			return ErrPayloadMismatch
		}
		expected = hmacSHA256(secret, s.StringToSign)
	default:
		return ErrSignatureMismatch
	}

	if !hmac.Equal(expected, s.signature) {
		return ErrSignatureMismatch
	}
	return nil
}

// checkSecurityToken rejects temporary (STS) credentials in either scheme,
// because access keys of this server have no session tokens.
func checkSecurityToken(r Request) error {
	if r.Params["SecurityToken"] != "" {
		return &Error{Kind: KindUnsupported, Field: "SecurityToken", Reason: "temporary credentials (STS) are not supported; sign with an access key"}
	}
	if strings.TrimSpace(r.Header.Get("x-acs-security-token")) != "" {
		return &Error{Kind: KindUnsupported, Field: "x-acs-security-token", Reason: "temporary credentials (STS) are not supported; sign with an access key"}
	}
	return nil
}

// checkNonce bounds a nonce to what the nonce store keeps: at most
// MaxNonceLength bytes of UTF-8 text without control characters. A V3
// header may carry any byte from 0x80 up, which PostgreSQL would reject as
// text.
func checkNonce(field, nonce string) error {
	if len(nonce) > MaxNonceLength {
		return &Error{Kind: KindUnsupported, Field: field, Reason: "the " + field + " value must be at most 255 bytes long"}
	}
	if !utf8.ValidString(nonce) || strings.ContainsFunc(nonce, unicode.IsControl) {
		return &Error{Kind: KindUnsupported, Field: field, Reason: "the " + field + " value must be UTF-8 text without control characters"}
	}
	return nil
}

func parseTimestampField(field, value string) (time.Time, error) {
	timestamp, err := ParseTimestamp(value)
	if err != nil {
		return time.Time{}, &Error{Kind: KindTimestampFormat, Field: field,
			Reason: "the " + field + " value " + quote(value) + " is not a UTC time in the form 2006-01-02T15:04:05Z"}
	}
	return timestamp, nil
}

// quote quotes a client's value for an error message, cut to a length that
// keeps the message readable.
func quote(value string) string {
	const maxQuoted = 64
	if len(value) > maxQuoted {
		value = value[:maxQuoted] + "..."
	}
	return `"` + strings.ToValidUTF8(value, "?") + `"`
}
