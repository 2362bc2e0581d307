package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"kmsmeta/internal/signature"
	"kmsmeta/service"
)

// MaxClockSkew is the largest difference between a request's Timestamp or
// x-acs-date and the server clock that is accepted, in either direction.
const MaxClockSkew = 15 * time.Minute

// nonceExpiryMargin keeps a nonce recorded past the end of its request's
// timestamp window, so that no replay can both pass the timestamp check and
// find the nonce record expired.
const nonceExpiryMargin = time.Minute

// signatureMismatchMessage starts the SignatureDoesNotMatch message. The
// server's string to sign follows it without a space, because the legacy
// Alibaba Cloud Go SDK splits the message there and compares the rest with
// its own string to sign.
const signatureMismatchMessage = "Specified signature is not matched with our calculation. server string to sign is:"

// SignatureAuthentication verifies signature V1 and V3 requests against the
// stored access keys. A request acts in the account of its access key and
// in RegionID.
type SignatureAuthentication struct {
	AccessKeys *service.AccessKeys
	RegionID   string

	// Now returns the server time for the timestamp window; nil means
	// time.Now.
	Now func() time.Time
}

// Authenticate checks a request in a fixed order, so that each request
// gets one predictable error. First the signature fields must be complete
// and well formed, then the timestamp must lie within MaxClockSkew. Next the
// access key must exist and be enabled, the signature must match, and the
// nonce must be unused. The nonce is recorded only after the signature has
// matched, so that a forged request cannot use up another client's nonces.
func (a SignatureAuthentication) Authenticate(r *http.Request, p params, body []byte) (service.Scope, error) {
	// readParams has already rejected a query string that does not parse.
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return service.Scope{}, &service.Error{Code: service.CodeInvalidParameter, Message: "The query string is not valid URL encoding."}
	}
	signed, err := signature.Parse(signature.Request{
		Method: r.Method, Host: r.Host, Header: r.Header, Query: query, Params: p, Body: body,
	})
	if err != nil {
		return service.Scope{}, signatureParseError(err)
	}

	// Signature V1 covers parameters only, so the action and version must
	// come from parameters: the x-acs-action header that the transport
	// falls back on could be swapped in transit.
	if signed.Scheme == signature.SchemeV1 {
		for _, name := range []string{"Action", "Version"} {
			if p.get(name) == "" {
				return service.Scope{}, service.MissingParameter(name)
			}
		}
	}

	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	if skew := now.Sub(signed.Timestamp); skew > MaxClockSkew || skew < -MaxClockSkew {
		return service.Scope{}, &service.Error{
			Code: service.CodeTimestampExpired,
			Message: fmt.Sprintf("Specified time stamp or date value is expired: %s is more than 15 minutes from the server time %s. Correct the client clock.",
				signed.Timestamp.Format(signature.TimestampLayout), now.UTC().Format(signature.TimestampLayout)),
		}
	}

	key, err := a.AccessKeys.SigningKey(r.Context(), signed.AccessKeyID)
	if err != nil {
		return service.Scope{}, err
	}

	if err := signed.Verify(key.Secret); err != nil {
		return service.Scope{}, &service.Error{Code: service.CodeSignatureDoesNotMatch, Message: signatureMismatchMessage + signed.StringToSign}
	}

	// After Timestamp + MaxClockSkew the request is rejected as expired
	// anyway. The record lives nonceExpiryMargin longer, because a replay
	// that arrives exactly at the window's end passes the timestamp check,
	// and the nonce store reads its clock later than the check above.
	expiresAt := signed.Timestamp.Add(MaxClockSkew + nonceExpiryMargin)
	if err := a.AccessKeys.UseNonce(r.Context(), key.AccessKeyID, signed.Nonce, expiresAt); err != nil {
		return service.Scope{}, err
	}

	return service.Scope{AccountID: key.AccountID, RegionID: a.RegionID, AccessKeyID: key.AccessKeyID}, nil
}

// signatureParseError turns an error of signature.Parse into the API error
// of its kind.
func signatureParseError(err error) error {
	var parseErr *signature.Error
	if !errors.As(err, &parseErr) {
		return err
	}

	switch parseErr.Kind {
	case signature.KindMissing:
		// The API's own wording names the parameter.
		return service.MissingParameter(parseErr.Field)
	case signature.KindIncomplete:
		return &service.Error{
			Code:    service.CodeIncompleteSignature,
			Message: "The request signature does not conform to Aliyun standards: " + parseErr.Error() + ".",
		}
	case signature.KindTimestampFormat:
		return &service.Error{
			Code:    service.CodeTimestampFormat,
			Message: "Specified time stamp or date value is not well formatted: " + parseErr.Error() + ".",
		}
	default:
		return service.InvalidParameter(parseErr.Field, parseErr.Reason+".")
	}
}
