package httpapi

import (
	"net/http"

	"kmsmeta/service"
)

// statusByCode maps every API error code to its HTTP status. A code missing
// here gets status 500.
var statusByCode = map[string]int{
	service.CodeAccessKeyNotFound:     http.StatusNotFound,
	service.CodeAccessKeyInactive:     http.StatusBadRequest,
	service.CodeSignatureDoesNotMatch: http.StatusBadRequest,
	service.CodeIncompleteSignature:   http.StatusBadRequest,
	service.CodeTimestampExpired:      http.StatusBadRequest,
	service.CodeTimestampFormat:       http.StatusBadRequest,
	service.CodeSignatureNonceUsed:    http.StatusBadRequest,

	service.CodeInvalidParameter:    http.StatusBadRequest,
	service.CodeMissingParameter:    http.StatusBadRequest,
	service.CodeInvalidVersion:      http.StatusBadRequest,
	service.CodeAliasAlreadyExists:  http.StatusBadRequest,
	service.CodeUnsupportedAlias:    http.StatusBadRequest,
	service.CodeLimitExceeded:       http.StatusBadRequest,
	service.CodeInvalidAction:       http.StatusNotFound,
	service.CodeKeyNotFound:         http.StatusNotFound,
	service.CodeAliasNotFound:       http.StatusNotFound,
	service.CodeStateModifiedFailed: http.StatusConflict,
	service.CodePendingDeletion:     http.StatusConflict,
	service.CodeThrottling:          http.StatusTooManyRequests,
	service.CodeInternalFailure:     http.StatusInternalServerError,
	service.CodeServiceUnavailable:  http.StatusServiceUnavailable,
}

func statusOf(code string) int {
	if status, ok := statusByCode[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}
