package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kmsmeta/repository"
)

// KeyRef is a key as ListKeys returns it.
type KeyRef struct {
	KeyID  string
	KeyARN string
}

// KeyPage is one page of keys with the paging values in effect.
type KeyPage struct {
	PageNumber int64
	PageSize   int64
	TotalCount int64
	Keys       []KeyRef
}

// ListKeysInput holds the parameters of ListKeys as the client sent them.
type ListKeysInput struct {
	PageNumber string
	PageSize   string
	Filters    string
}

var listKeysSizes = pageRange{minSize: 1, maxSize: 100, defaultSize: 10}

// Limits of ListKeys' Filters.
const (
	maxFilters      = 10
	maxFilterValues = 10
)

// ListKeys returns one page of the keys in scope, oldest first.
func (s *Service) ListKeys(ctx context.Context, scope Scope, in ListKeysInput) (KeyPage, error) {
	paging, err := parsePage(in.PageNumber, in.PageSize, listKeysSizes)
	if err != nil {
		return KeyPage{}, err
	}
	filter, err := parseKeyFilters(in.Filters)
	if err != nil {
		return KeyPage{}, err
	}

	rows, err := s.store.ListKeys(ctx, scope, filter, s.now(), paging.limit(), paging.offset())
	if err != nil {
		return KeyPage{}, fromRepository(err)
	}

	page := KeyPage{
		PageNumber: paging.Number,
		PageSize:   paging.Size,
		TotalCount: rows.TotalCount,
		Keys:       make([]KeyRef, 0, len(rows.Keys)),
	}
	for _, key := range rows.Keys {
		page.Keys = append(page.Keys, KeyRef{KeyID: key.KeyID, KeyARN: key.ARN})
	}
	return page, nil
}

// keyFilter is one element of the Filters parameter.
type keyFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

// parseKeyFilters reads Filters, a JSON array such as
// [{"Key":"KeyState","Values":["Enabled","Disabled"]}]. A key must match one
// value of every filter, and a filter key given twice must match both.
func parseKeyFilters(text string) (repository.KeyFilter, error) {
	var filter repository.KeyFilter
	if text == "" {
		return filter, nil
	}

	decoder := json.NewDecoder(bytes.NewReader([]byte(text)))
	decoder.DisallowUnknownFields()
	var filters []keyFilter
	if err := decoder.Decode(&filters); err != nil || decoder.More() {
		return filter, InvalidParameter("Filters",
			`it must be a JSON array of objects such as [{"Key":"KeyState","Values":["Enabled"]}].`)
	}
	if len(filters) > maxFilters {
		return filter, InvalidParameter("Filters", fmt.Sprintf("it may hold at most %d filters.", maxFilters))
	}

	for _, f := range filters {
		if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
			return filter, InvalidParameter("Filters",
				fmt.Sprintf("filter %q must have 1 to %d values.", f.Key, maxFilterValues))
		}

		var target *[]string
		var allowed []string
		switch f.Key {
		case "KeyState":
			target, allowed = &filter.States, []string{StateEnabled, StateDisabled, StatePendingDeletion, StatePendingImport}
		case "KeySpec":
			target, allowed = &filter.Specs, slices.Sorted(maps.Keys(keySpecUsages))
		case "KeyUsage":
			target, allowed = &filter.Usages, []string{UsageEncryptDecrypt, UsageSignVerify}
		case "ProtectionLevel":
			target, allowed = &filter.ProtectionLevels, []string{ProtectionSoftware, ProtectionHSM}
		default:
			return filter, InvalidParameter("Filters",
				fmt.Sprintf("unknown filter key %q; use KeyState, KeySpec, KeyUsage or ProtectionLevel.", f.Key))
		}

		for _, value := range f.Values {
			if !slices.Contains(allowed, value) {
				return filter, InvalidParameter("Filters",
					fmt.Sprintf("%s %q is not one of %s.", f.Key, value, strings.Join(allowed, ", ")))
			}
		}
		*target = intersectFilter(*target, f.Values)
	}
	return filter, nil
}

// intersectFilter returns the values that both lists allow; a nil current
// list allows everything. The result is never nil, so an empty intersection
// still filters (and matches nothing).
func intersectFilter(current, values []string) []string {
	if current == nil {
		return slices.Clone(values)
	}

	result := []string{}
	for _, value := range values {
		if slices.Contains(current, value) {
			result = append(result, value)
		}
	}
	return result
}
