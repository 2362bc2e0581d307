package httpapi

import (
	"net/http"

	"kmsmeta/service"
)

// NoAuthentication serves every request as one account, whatever signature
// or Authorization header it carries. It is for local experiments only:
// anyone who reaches the port acts as that account.
type NoAuthentication struct {
	AccountID string
	RegionID  string
}

// Authenticate returns the configured account without checking anything.
func (a NoAuthentication) Authenticate(*http.Request, params, []byte) (service.Scope, error) {
	return service.Scope{AccountID: a.AccountID, RegionID: a.RegionID}, nil
}
