package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

const (
	contentTypeJSON = "application/json;charset=utf-8"

	// contentTypeXML is spelled exactly so, because the current Alibaba Cloud
	// SDK parses an XML error body only under this content type.
	contentTypeXML = "text/xml;charset=utf-8"
)

// errorBody is the body of every error response. Every field but HttpStatus
// is a string, because the legacy Go SDK panics on any other JSON type there.
type errorBody struct {
	RequestID  string `json:"RequestId" xml:"RequestId"`
	HostID     string `json:"HostId" xml:"HostId"`
	Code       string `json:"Code" xml:"Code"`
	Message    string `json:"Message" xml:"Message"`
	Recommend  string `json:"Recommend" xml:"Recommend"`
	HTTPStatus int    `json:"HttpStatus" xml:"HttpStatus"`
}

// encodeBody renders v as JSON, or as XML under a root element of rootName.
// Encoding happens before anything is written, so that a failure can still
// become an error response.
func encodeBody(format responseFormat, rootName string, v any) ([]byte, string, error) {
	var buffer bytes.Buffer

	if format == formatXML {
		buffer.WriteString(xml.Header)
		encoder := xml.NewEncoder(&buffer)
		if err := encoder.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: rootName}}); err != nil {
			return nil, "", fmt.Errorf("encode XML body: %w", err)
		}
		if err := encoder.Close(); err != nil {
			return nil, "", fmt.Errorf("encode XML body: %w", err)
		}
		return buffer.Bytes(), contentTypeXML, nil
	}

	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(v); err != nil {
		return nil, "", fmt.Errorf("encode JSON body: %w", err)
	}
	return buffer.Bytes(), contentTypeJSON, nil
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
