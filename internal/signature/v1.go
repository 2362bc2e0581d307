package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
)

// v1RequiredParams are the V1 parameters that every signed request carries,
// in the order in which a missing one is reported.
var v1RequiredParams = []string{"AccessKeyId", "Signature", "SignatureNonce", "Timestamp"}

// V1StringToSign returns the V1 string to sign of a request: the method,
// the encoded path "/" and the encoded, sorted "name=value" pairs of every
// parameter but Signature, joined by "&". Names and values are encoded with
// PercentEncode, and the joined pairs are encoded once more as a whole.
func V1StringToSign(method string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	slices.Sort(names)

	pairs := make([]string, 0, len(names))
	for _, name := range names {
		pairs = append(pairs, PercentEncode(name)+"="+PercentEncode(params[name]))
	}
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// v1Signature returns base64(HMAC-SHA1(secret + "&", stringToSign)).
func v1Signature(secret, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(hmacSHA1(secret+"&", stringToSign))
}

func hmacSHA1(key, message string) []byte {
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(message))
	return mac.Sum(nil)
}

func parseV1(r Request) (*Signed, error) {
	params := r.Params
	for _, name := range v1RequiredParams {
		if params[name] == "" {
			return nil, &Error{Kind: KindMissing, Field: name, Reason: "the parameter " + name + " is required in a signed request"}
		}
	}
	if err := checkSecurityToken(r); err != nil {
		return nil, err
	}

	if method := params["SignatureMethod"]; method != "" && method != MethodV1 {
		return nil, &Error{Kind: KindUnsupported, Field: "SignatureMethod", Reason: "the only supported SignatureMethod is " + MethodV1}
	}
	if version := params["SignatureVersion"]; version != "" && version != VersionV1 {
		return nil, &Error{Kind: KindUnsupported, Field: "SignatureVersion", Reason: "the only supported SignatureVersion is " + VersionV1}
	}
	// The legacy SDK always sends SignatureType, empty for access keys; it
	// names other credential types (bearer tokens) otherwise.
	if signatureType := params["SignatureType"]; signatureType != "" {
		return nil, &Error{Kind: KindUnsupported, Field: "SignatureType", Reason: "only access key signatures (an empty SignatureType) are supported"}
	}
	if err := checkNonce("SignatureNonce", params["SignatureNonce"]); err != nil {
		return nil, err
	}
	timestamp, err := parseTimestampField("Timestamp", params["Timestamp"])
	if err != nil {
		return nil, err
	}

	// A signature that is not base64 stays nil and matches nothing, so it
	// is reported like any other wrong signature.
	signature, err := base64.StdEncoding.DecodeString(params["Signature"])
	if err != nil {
		signature = nil
	}

	return &Signed{
		Scheme:       SchemeV1,
		AccessKeyID:  params["AccessKeyId"],
		Nonce:        params["SignatureNonce"],
		Timestamp:    timestamp,
		StringToSign: V1StringToSign(r.Method, params),
		signature:    signature,
	}, nil
}
