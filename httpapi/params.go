package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"kmsmeta/service"
)

// params holds a request's API parameters, merged from the query string and
// a form body.
type params map[string]string

// get returns the parameter's value, or "" when it was not given.
func (p params) get(name string) string {
	return p[name]
}

// readParams reads the query string and, for a form body, the body, and
// merges them. A parameter given more than once must have one value
// everywhere, because a signature covers every copy while the service could
// read only one. The raw body is returned too, for signature checks.
func readParams(r *http.Request, maxBodyBytes int64) (params, []byte, error) {
	merged := params{}

	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, nil, &service.Error{
			Code:    service.CodeInvalidParameter,
			Message: "The query string is not valid URL encoding.",
		}
	}
	if err := mergeValues(merged, query); err != nil {
		return nil, nil, err
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, nil, &service.Error{
			Code:    service.CodeInvalidParameter,
			Message: "The request body could not be read.",
			Cause:   err,
		}
	}
	if int64(len(body)) > maxBodyBytes {
		return nil, nil, &service.Error{
			Code:    service.CodeInvalidParameter,
			Message: fmt.Sprintf("The request body is larger than %d bytes.", maxBodyBytes),
		}
	}

	if len(body) > 0 && isFormBody(r) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, &service.Error{
				Code:    service.CodeInvalidParameter,
				Message: "The form body is not valid URL encoding.",
			}
		}
		if err := mergeValues(merged, form); err != nil {
			return nil, nil, err
		}
	}
	return merged, body, nil
}

func isFormBody(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.EqualFold(mediaType, "application/x-www-form-urlencoded")
}

// mergeValues adds values to merged, rejecting a name whose copies differ and
// a value that PostgreSQL could not store as text.
func mergeValues(merged params, values url.Values) error {
	for name, list := range values {
		for _, value := range list {
			if !utf8.ValidString(value) || strings.ContainsRune(value, 0) {
				return service.InvalidParameter(name, "it must be valid UTF-8 text without NUL characters.")
			}
			previous, seen := merged[name]
			if seen && previous != value {
				return service.InvalidParameter(name, "it is given more than once with different values.")
			}
			merged[name] = value
		}
	}
	return nil
}

// errUnknownFormat marks a Format parameter that is neither JSON nor XML.
var errUnknownFormat = errors.New("unknown format")

// responseFormat is the body format that a request asked for.
type responseFormat int

const (
	formatJSON responseFormat = iota
	formatXML
)

// parseFormat reads Format, compared case-insensitively because one SDK sends
// "json". It defaults to JSON.
func parseFormat(value string) (responseFormat, error) {
	switch strings.ToUpper(value) {
	case "", "JSON":
		return formatJSON, nil
	case "XML":
		return formatXML, nil
	default:
		return formatJSON, errUnknownFormat
	}
}
