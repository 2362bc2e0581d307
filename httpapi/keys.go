package httpapi

import (
	"context"
	"strconv"
	"time"

	"kmsmeta/service"
)

// keyMetadata is the KeyMetadata object of CreateKey and DescribeKey. Every
// value is a string, as in the official SDKs' response types; optional
// fields are left out when they do not apply.
type keyMetadata struct {
	KeyID                         string `json:"KeyId" xml:"KeyId"`
	ARN                           string `json:"Arn" xml:"Arn"`
	KeyState                      string `json:"KeyState" xml:"KeyState"`
	KeySpec                       string `json:"KeySpec" xml:"KeySpec"`
	KeyUsage                      string `json:"KeyUsage" xml:"KeyUsage"`
	Origin                        string `json:"Origin" xml:"Origin"`
	ProtectionLevel               string `json:"ProtectionLevel" xml:"ProtectionLevel"`
	Description                   string `json:"Description" xml:"Description"`
	Creator                       string `json:"Creator" xml:"Creator"`
	CreationDate                  string `json:"CreationDate" xml:"CreationDate"`
	DeleteDate                    string `json:"DeleteDate,omitempty" xml:"DeleteDate,omitempty"`
	AutomaticRotation             string `json:"AutomaticRotation" xml:"AutomaticRotation"`
	RotationInterval              string `json:"RotationInterval,omitempty" xml:"RotationInterval,omitempty"`
	LastRotationDate              string `json:"LastRotationDate" xml:"LastRotationDate"`
	NextRotationDate              string `json:"NextRotationDate,omitempty" xml:"NextRotationDate,omitempty"`
	MaterialExpireTime            string `json:"MaterialExpireTime,omitempty" xml:"MaterialExpireTime,omitempty"`
	PrimaryKeyVersion             string `json:"PrimaryKeyVersion" xml:"PrimaryKeyVersion"`
	DeletionProtection            string `json:"DeletionProtection" xml:"DeletionProtection"`
	DeletionProtectionDescription string `json:"DeletionProtectionDescription,omitempty" xml:"DeletionProtectionDescription,omitempty"`
}

type keyMetadataBody struct {
	RequestID   string      `json:"RequestId" xml:"RequestId"`
	KeyMetadata keyMetadata `json:"KeyMetadata" xml:"KeyMetadata"`
}

func newKeyMetadata(metadata service.KeyMetadata) keyMetadata {
	body := keyMetadata{
		KeyID:              metadata.KeyID,
		ARN:                metadata.ARN,
		KeyState:           metadata.KeyState,
		KeySpec:            metadata.KeySpec,
		KeyUsage:           metadata.KeyUsage,
		Origin:             metadata.Origin,
		ProtectionLevel:    metadata.ProtectionLevel,
		Description:        metadata.Description,
		Creator:            metadata.Creator,
		CreationDate:       formatDate(metadata.CreationDate),
		AutomaticRotation:  "Disabled",
		LastRotationDate:   formatDate(metadata.LastRotationDate),
		PrimaryKeyVersion:  metadata.PrimaryKeyVersion,
		DeletionProtection: "Disabled",
	}
	if metadata.DeleteDate != nil {
		body.DeleteDate = formatDate(*metadata.DeleteDate)
	}
	if metadata.AutomaticRotation {
		body.AutomaticRotation = "Enabled"
		body.RotationInterval = formatSeconds(metadata.RotationInterval)
	}
	if metadata.NextRotationDate != nil {
		body.NextRotationDate = formatDate(*metadata.NextRotationDate)
	}
	return body
}

func formatDate(t time.Time) string {
	return t.UTC().Format(dateLayout)
}

// formatSeconds renders a duration as the API does, for example "31536000s".
func formatSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

func createKey(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	metadata, err := svc.CreateKey(ctx, scope, service.CreateKeyInput{
		Description:             p.get("Description"),
		KeySpec:                 p.get("KeySpec"),
		KeyUsage:                p.get("KeyUsage"),
		Origin:                  p.get("Origin"),
		ProtectionLevel:         p.get("ProtectionLevel"),
		EnableAutomaticRotation: p.get("EnableAutomaticRotation"),
		RotationInterval:        p.get("RotationInterval"),
		Tags:                    p.get("Tags"),
	})
	if err != nil {
		return nil, err
	}
	return keyMetadataBody{RequestID: requestID, KeyMetadata: newKeyMetadata(metadata)}, nil
}

func describeKey(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	metadata, err := svc.DescribeKey(ctx, scope, service.DescribeKeyInput{KeyID: p.get("KeyId")})
	if err != nil {
		return nil, err
	}
	return keyMetadataBody{RequestID: requestID, KeyMetadata: newKeyMetadata(metadata)}, nil
}

// keyEntry, keyList and keyPage are the body of ListKeys. The list keeps
// its wrapper when empty, as "Keys":{"Key":[]}.
type keyEntry struct {
	KeyID  string `json:"KeyId" xml:"KeyId"`
	KeyARN string `json:"KeyArn" xml:"KeyArn"`
}

type keyList struct {
	Key []keyEntry `json:"Key" xml:"Key"`
}

type keyPage struct {
	RequestID  string  `json:"RequestId" xml:"RequestId"`
	PageNumber int64   `json:"PageNumber" xml:"PageNumber"`
	PageSize   int64   `json:"PageSize" xml:"PageSize"`
	TotalCount int64   `json:"TotalCount" xml:"TotalCount"`
	Keys       keyList `json:"Keys" xml:"Keys"`
}

func listKeys(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	page, err := svc.ListKeys(ctx, scope, service.ListKeysInput{
		PageNumber: p.get("PageNumber"),
		PageSize:   p.get("PageSize"),
		Filters:    p.get("Filters"),
	})
	if err != nil {
		return nil, err
	}

	body := keyPage{
		RequestID:  requestID,
		PageNumber: page.PageNumber,
		PageSize:   page.PageSize,
		TotalCount: page.TotalCount,
		Keys:       keyList{Key: make([]keyEntry, 0, len(page.Keys))},
	}
	for _, key := range page.Keys {
		body.Keys.Key = append(body.Keys.Key, keyEntry{KeyID: key.KeyID, KeyARN: key.KeyARN})
	}
	return body, nil
}

// keyStateAction adapts one of the service's key-state methods, which all
// take the same input and return nothing but an error.
func keyStateAction(change func(*service.Service, context.Context, service.Scope, service.KeyStateInput) error) action {
	return func(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
		err := change(svc, ctx, scope, service.KeyStateInput{
			KeyID:               p.get("KeyId"),
			PendingWindowInDays: p.get("PendingWindowInDays"),
		})
		if err != nil {
			return nil, err
		}
		return requestOnly{RequestID: requestID}, nil
	}
}

var (
	enableKey           = keyStateAction((*service.Service).EnableKey)
	disableKey          = keyStateAction((*service.Service).DisableKey)
	scheduleKeyDeletion = keyStateAction((*service.Service).ScheduleKeyDeletion)
	cancelKeyDeletion   = keyStateAction((*service.Service).CancelKeyDeletion)
)

func updateKeyDescription(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	err := svc.UpdateKeyDescription(ctx, scope, service.UpdateKeyDescriptionInput{
		KeyID:       p.get("KeyId"),
		Description: p.get("Description"),
	})
	if err != nil {
		return nil, err
	}
	return requestOnly{RequestID: requestID}, nil
}
