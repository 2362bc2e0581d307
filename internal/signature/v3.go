package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// RequiredSignedHeaders are the headers that a V3 signature must cover. An
// unsigned x-acs-action or x-acs-version could be swapped in transit, and
// an unsigned date, nonce or body hash would defeat the replay and body
// checks.
var RequiredSignedHeaders = []string{
	"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version",
}

// Authorization is a parsed V3 Authorization header:
//
//	ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
type Authorization struct {
	AccessKeyID string

	// SignedHeaders are the lowercase header names, sorted.
	SignedHeaders []string

	// Signature is the hexadecimal HMAC-SHA256 signature.
	Signature string
}

// String renders the header value.
func (a Authorization) String() string {
	return AlgorithmV3 + " Credential=" + a.AccessKeyID + ",SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		",Signature=" + a.Signature
}

// ParseAuthorization parses a V3 Authorization header value. Errors are
// *Error of KindIncomplete.
func ParseAuthorization(value string) (Authorization, error) {
	const form = "the Authorization header must have the form " +
		`"ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names joined by ;>,Signature=<hex>"`

	algorithm, rest, found := strings.Cut(strings.TrimSpace(value), " ")
	if algorithm != AlgorithmV3 {
		return Authorization{}, incomplete("the Authorization algorithm " + quote(algorithm) + " is not supported; use " + AlgorithmV3)
	}
	if !found {
		return Authorization{}, incomplete(form)
	}

	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		name, fieldValue, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || fieldValue == "" {
			return Authorization{}, incomplete(form)
		}
		switch name {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return Authorization{}, incomplete("the Authorization header has an unknown field " + quote(name) + "; " + form)
		}
		if _, seen := fields[name]; seen {
			return Authorization{}, incomplete("the Authorization header repeats the field " + name)
		}
		fields[name] = fieldValue
	}
	for _, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[name] == "" {
			return Authorization{}, incomplete("the Authorization header lacks the field " + name + "; " + form)
		}
	}

	signedHeaders, err := parseSignedHeaders(fields["SignedHeaders"])
	if err != nil {
		return Authorization{}, err
	}
	if decoded, err := hex.DecodeString(fields["Signature"]); err != nil || len(decoded) != sha256.Size {
		return Authorization{}, incomplete("the Authorization Signature must be 64 hexadecimal digits")
	}

	return Authorization{
		AccessKeyID:   fields["Credential"],
		SignedHeaders: signedHeaders,
		Signature:     fields["Signature"],
	}, nil
}

// parseSignedHeaders splits a SignedHeaders value into lowercase names,
// sorted as the canonical request lists them.
func parseSignedHeaders(value string) ([]string, error) {
	names := strings.Split(strings.ToLower(value), ";")
	for _, name := range names {
		if name == "" || strings.ContainsAny(name, " \t:") {
			return nil, incomplete("the Authorization SignedHeaders " + quote(value) + " must be header names joined by \";\"")
		}
	}

	slices.Sort(names)
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		return nil, incomplete("the Authorization SignedHeaders " + quote(value) + " names a header twice")
	}
	return names, nil
}

func incomplete(reason string) *Error {
	return &Error{Kind: KindIncomplete, Field: "Authorization", Reason: reason}
}

// CanonicalQuery returns the V3 canonical query string: every name and
// value encoded with PercentEncode, sorted by name and then value, as
// "name=value" joined by "&". An empty value gives "name=".
func CanonicalQuery(query url.Values) string {
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	slices.Sort(names)

	var pairs []string
	for _, name := range names {
		values := slices.Clone(query[name])
		slices.Sort(values)
		for _, value := range values {
			pairs = append(pairs, PercentEncode(name)+"="+PercentEncode(value))
		}
	}
	return strings.Join(pairs, "&")
}

// headerValue returns the canonical value of one signed header: its values
// trimmed, sorted and joined by ",". The host comes from the Host header,
// which net/http keeps apart from the other headers.
func headerValue(host string, header http.Header, name string) string {
	if name == "host" {
		return strings.TrimSpace(host)
	}

	values := header.Values(name)
	trimmed := make([]string, 0, len(values))
	for _, value := range values {
		trimmed = append(trimmed, strings.TrimSpace(value))
	}
	slices.Sort(trimmed)
	return strings.Join(trimmed, ",")
}

// CanonicalRequestV3 returns the V3 canonical request:
//
//	METHOD \n / \n canonical query \n "name:value\n" for each signed header
//	\n signed header names joined by ";" \n hex SHA-256 of the body
//
// signedHeaders must be lowercase and sorted, as ParseAuthorization returns
// them.
func CanonicalRequestV3(method string, query url.Values, host string, header http.Header, signedHeaders []string, payloadHash string) string {
	var headers strings.Builder
	for _, name := range signedHeaders {
		headers.WriteString(name + ":" + headerValue(host, header, name) + "\n")
	}

	return method + "\n/\n" + CanonicalQuery(query) + "\n" + headers.String() + "\n" +
		strings.Join(signedHeaders, ";") + "\n" + payloadHash
}

// StringToSignV3 returns "ACS3-HMAC-SHA256\n" and the hex SHA-256 of the
// canonical request.
func StringToSignV3(canonicalRequest string) string {
	digest := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmV3 + "\n" + hex.EncodeToString(digest[:])
}

// PayloadHash returns the hex SHA-256 of a body, as x-acs-content-sha256
// carries it.
func PayloadHash(body []byte) string {
	digest := sha256.Sum256(body)
	return hex.EncodeToString(digest[:])
}

func hmacSHA256(key, message string) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(message))
	return mac.Sum(nil)
}

func parseV3(r Request, authorization []string) (*Signed, error) {
	if len(authorization) > 1 {
		return nil, incomplete("the request has more than one Authorization header")
	}
	auth, err := ParseAuthorization(authorization[0])
	if err != nil {
		return nil, err
	}

	for _, name := range RequiredSignedHeaders {
		if !slices.Contains(auth.SignedHeaders, name) {
			return nil, incomplete("the Authorization SignedHeaders leave out " + name + ", which must be signed")
		}
		if headerValue(r.Host, r.Header, name) == "" {
			return nil, &Error{Kind: KindIncomplete, Field: name, Reason: "the " + name + " header is missing or empty, but a V3 signature requires it"}
		}
	}
	// The content type decides whether the body is read as form
	// parameters, so a request with a body must sign it.
	if len(r.Body) > 0 && r.Header.Get("Content-Type") != "" && !slices.Contains(auth.SignedHeaders, "content-type") {
		return nil, incomplete("the Authorization SignedHeaders leave out content-type, which must be signed when the request has a body")
	}
	if err := checkSecurityToken(r); err != nil {
		return nil, err
	}

	nonce := headerValue(r.Host, r.Header, "x-acs-signature-nonce")
	if err := checkNonce("x-acs-signature-nonce", nonce); err != nil {
		return nil, err
	}
	timestamp, err := parseTimestampField("x-acs-date", headerValue(r.Host, r.Header, "x-acs-date"))
	if err != nil {
		return nil, err
	}

	// The canonical request takes the hash of the body that arrived, so the
	// string to sign in an error message is the server's own calculation.
	payloadHash := PayloadHash(r.Body)
	canonicalRequest := CanonicalRequestV3(r.Method, r.Query, r.Host, r.Header, auth.SignedHeaders, payloadHash)
	signature, _ := hex.DecodeString(auth.Signature) // ParseAuthorization checked it

	return &Signed{
		Scheme:             SchemeV3,
		AccessKeyID:        auth.AccessKeyID,
		Nonce:              nonce,
		Timestamp:          timestamp,
		StringToSign:       StringToSignV3(canonicalRequest),
		CanonicalRequest:   canonicalRequest,
		signature:          signature,
		claimedPayloadHash: headerValue(r.Host, r.Header, "x-acs-content-sha256"),
		payloadHash:        payloadHash,
	}, nil
}
