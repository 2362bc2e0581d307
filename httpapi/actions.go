package httpapi

import (
	"context"

	"kmsmeta/service"
)

// action runs one API action and returns its response body, which must have
// RequestId as its first field.
type action func(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error)

func actions() map[string]action {
	return map[string]action{
		"CreateKey":            createKey,
		"DescribeKey":          describeKey,
		"ListKeys":             listKeys,
		"EnableKey":            enableKey,
		"DisableKey":           disableKey,
		"ScheduleKeyDeletion":  scheduleKeyDeletion,
		"CancelKeyDeletion":    cancelKeyDeletion,
		"UpdateKeyDescription": updateKeyDescription,
		"CreateAlias":          createAlias,
		"UpdateAlias":          updateAlias,
		"DeleteAlias":          deleteAlias,
		"ListAliases":          listAliases,
		"ListAliasesByKeyId":   listAliasesByKeyID,
	}
}

// dateLayout is the API's timestamp format: UTC, second precision.
const dateLayout = "2006-01-02T15:04:05Z"

// requestOnly is the body of actions that return nothing but the request ID.
type requestOnly struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
}
