// Package signature computes and checks the request signatures of the
// Alibaba Cloud RPC API: signature V1 (HMAC-SHA1 over the query and form
// parameters) and signature V3 (ACS3-HMAC-SHA256 in the Authorization
// header).
//
// The package has no clock, no network and no storage, so it can be fuzzed
// and reused by clients such as a load tool. The server parses a request
// with Parse, checks the timestamp window and looks up the secret itself,
// then calls Signed.Verify. Clients sign with SignV1 and SignV3.
package signature

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Names and values that the two schemes put on the wire.
const (
	// MethodV1 and VersionV1 are the only SignatureMethod and
	// SignatureVersion of signature V1.
	MethodV1  = "HMAC-SHA1"
	VersionV1 = "1.0"

	// AlgorithmV3 is the only Authorization algorithm of signature V3.
	AlgorithmV3 = "ACS3-HMAC-SHA256"

	// TimestampLayout is the form of the V1 Timestamp parameter and the V3
	// x-acs-date header: UTC, second precision.
	TimestampLayout = "2006-01-02T15:04:05Z"

	// MaxNonceLength bounds SignatureNonce and x-acs-signature-nonce. The
	// official SDKs send 32 hexadecimal digits.
	MaxNonceLength = 255
)

// Scheme is the signature version of a request.
type Scheme int

const (
	SchemeV1 Scheme = 1
	SchemeV3 Scheme = 3
)

func (s Scheme) String() string {
	switch s {
	case SchemeV1:
		return "V1"
	case SchemeV3:
		return "V3"
	default:
		return fmt.Sprintf("Scheme(%d)", int(s))
	}
}

// ErrorKind classifies the reasons that Parse rejects a request, so that a
// server can map each to its API error code.
type ErrorKind int

const (
	// KindMissing is a required V1 parameter that is missing or empty, or a
	// request with neither V1 parameters nor an Authorization header.
	KindMissing ErrorKind = iota + 1

	// KindIncomplete is a malformed V3 Authorization header, an unknown
	// algorithm, or a required header that is missing or not signed.
	KindIncomplete

	// KindTimestampFormat is a Timestamp or x-acs-date that is not in
	// TimestampLayout.
	KindTimestampFormat

	// KindUnsupported is a parameter or header that names a feature this
	// package does not verify: temporary (STS) credentials, another
	// SignatureMethod or SignatureVersion, or an overlong nonce.
	KindUnsupported
)

// Error is a request that Parse rejects. Field names the parameter or
// header at fault, and Reason is a sentence fragment that names it too.
type Error struct {
	Kind   ErrorKind
	Field  string
	Reason string
}

func (e *Error) Error() string {
	return e.Reason
}

// Verification failures of Signed.Verify.
var (
	// ErrSignatureMismatch means that the signature is not the one the
	// secret gives for the server's string to sign.
	ErrSignatureMismatch = errors.New("the signature does not match the server's calculation")

	// ErrPayloadMismatch means that x-acs-content-sha256 is not the SHA-256
	// of the body that arrived.
	ErrPayloadMismatch = errors.New("x-acs-content-sha256 does not match the SHA-256 of the request body")
)

// PercentEncode encodes s by RFC 3986: the unreserved characters
// A-Z a-z 0-9 - _ . ~ stay as they are, and every other byte of the UTF-8
// text becomes %XX with uppercase hexadecimal digits, so a space is %20
// and "*" is %2A.
func PercentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"

	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			out.WriteByte(c)
			continue
		}
		out.WriteByte('%')
		out.WriteByte(hexDigits[c>>4])
		out.WriteByte(hexDigits[c&0x0f])
	}
	return out.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// ParseTimestamp reads a Timestamp or x-acs-date value in TimestampLayout.
// It rejects what time.Parse would let through besides that layout, such as
// fractional seconds.
func ParseTimestamp(value string) (time.Time, error) {
	parsed, err := time.Parse(TimestampLayout, value)
	if err != nil || parsed.Format(TimestampLayout) != value {
		return time.Time{}, fmt.Errorf("timestamp %q is not in the form %s", value, TimestampLayout)
	}
	return parsed, nil
}
