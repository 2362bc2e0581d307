package httpapi

import (
	"context"

	"kmsmeta/service"
)

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
