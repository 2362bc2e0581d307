package signature

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// SignV1 returns the V1 Signature parameter for a request with these
// parameters, signed with secret. The parameters must already include
// AccessKeyId, SignatureNonce and Timestamp; a Signature among them is left
// out of the calculation.
func SignV1(method string, params map[string]string, secret string) string {
	return v1Signature(secret, V1StringToSign(method, params))
}

// SignV3 signs r with signature V3: it sets x-acs-content-sha256 to the
// hash of body and the Authorization header. The caller sets x-acs-action,
// x-acs-version, x-acs-date and x-acs-signature-nonce first. Like the
// official SDKs, it signs host, content-type when present, and every x-acs-
// header.
func SignV3(r *http.Request, body []byte, accessKeyID, secret string) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("sign request: invalid query string: %w", err)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}

	payloadHash := PayloadHash(body)
	r.Header.Set("x-acs-content-sha256", payloadHash)

	signedHeaders := []string{"host"}
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-acs-") || lower == "content-type" {
			signedHeaders = append(signedHeaders, lower)
		}
	}
	slices.Sort(signedHeaders)

	canonicalRequest := CanonicalRequestV3(r.Method, query, host, r.Header, signedHeaders, payloadHash)
	signature := hmacSHA256(secret, StringToSignV3(canonicalRequest))

	authorization := Authorization{
		AccessKeyID:   accessKeyID,
		SignedHeaders: signedHeaders,
		Signature:     hex.EncodeToString(signature),
	}
	r.Header.Set("Authorization", authorization.String())
	return nil
}
