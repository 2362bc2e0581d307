package httpapi

import (
	"context"
	"strconv"
	"time"

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

// aliasEntry, aliasList and aliasPage are the body of ListAliasesByKeyId
// and ListAliases. The list keeps its wrapper when empty, as
// "Aliases":{"Alias":[]}, because Terraform and the aliyun CLI's pager fail
// without it.
type aliasEntry struct {
	KeyID     string `json:"KeyId" xml:"KeyId"`
	AliasARN  string `json:"AliasArn" xml:"AliasArn"`
	AliasName string `json:"AliasName" xml:"AliasName"`
}

type aliasList struct {
	Alias []aliasEntry `json:"Alias" xml:"Alias"`
}

type aliasPage struct {
	RequestID  string    `json:"RequestId" xml:"RequestId"`
	PageNumber int64     `json:"PageNumber" xml:"PageNumber"`
	PageSize   int64     `json:"PageSize" xml:"PageSize"`
	TotalCount int64     `json:"TotalCount" xml:"TotalCount"`
	Aliases    aliasList `json:"Aliases" xml:"Aliases"`
}

func newAliasPage(requestID string, page service.AliasPage) aliasPage {
	body := aliasPage{
		RequestID:  requestID,
		PageNumber: page.PageNumber,
		PageSize:   page.PageSize,
		TotalCount: page.TotalCount,
		Aliases:    aliasList{Alias: make([]aliasEntry, 0, len(page.Aliases))},
	}
	for _, alias := range page.Aliases {
		body.Aliases.Alias = append(body.Aliases.Alias, aliasEntry{
			KeyID:     alias.KeyID,
			AliasARN:  alias.AliasARN,
			AliasName: alias.AliasName,
		})
	}
	return body
}

func listAliasesByKeyID(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	page, err := svc.ListAliasesByKeyID(ctx, scope, service.ListAliasesByKeyIDInput{
		KeyID:      p.get("KeyId"),
		PageNumber: p.get("PageNumber"),
		PageSize:   p.get("PageSize"),
	})
	if err != nil {
		return nil, err
	}
	return newAliasPage(requestID, page), nil
}

func createAlias(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	err := svc.CreateAlias(ctx, scope, service.CreateAliasInput{
		AliasName: p.get("AliasName"),
		KeyID:     p.get("KeyId"),
	})
	if err != nil {
		return nil, err
	}
	return requestOnly{RequestID: requestID}, nil
}

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

func listAliases(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	page, err := svc.ListAliases(ctx, scope, service.ListAliasesInput{
		PageNumber: p.get("PageNumber"),
		PageSize:   p.get("PageSize"),
	})
	if err != nil {
		return nil, err
	}
	return newAliasPage(requestID, page), nil
}

func updateAlias(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	err := svc.UpdateAlias(ctx, scope, service.UpdateAliasInput{
		AliasName: p.get("AliasName"),
		KeyID:     p.get("KeyId"),
	})
	if err != nil {
		return nil, err
	}
	return requestOnly{RequestID: requestID}, nil
}

func deleteAlias(ctx context.Context, svc *service.Service, scope service.Scope, p params, requestID string) (any, error) {
	if err := svc.DeleteAlias(ctx, scope, service.DeleteAliasInput{AliasName: p.get("AliasName")}); err != nil {
		return nil, err
	}
	return requestOnly{RequestID: requestID}, nil
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
