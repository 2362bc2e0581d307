package service

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"kmsmeta/repository"
)

// Alias names are "alias/" and 1 to 255 characters of A-Z a-z 0-9 _ - /.
// The 255 counts only the part after the prefix, so the longest name is 261
// characters.
var aliasNamePattern = regexp.MustCompile(`^alias/[A-Za-z0-9_/-]{1,255}$`)

// reservedAliasPrefix starts the names that Alibaba Cloud keeps for its own
// services (alias/acs/<service>). The check is case-sensitive, as the
// reference states it.
const reservedAliasPrefix = "alias/acs"

// validateAliasName checks the name rules before any lookup, so that a bad
// name gets the same error whether or not the alias exists.
func validateAliasName(name string) error {
	if name == "" {
		return MissingParameter("AliasName")
	}
	if !aliasNamePattern.MatchString(name) {
		return InvalidParameter("AliasName",
			`it must be "alias/" followed by 1 to 255 characters from A-Z, a-z, 0-9, "_", "-" and "/".`)
	}
	if strings.HasPrefix(name, reservedAliasPrefix) {
		return InvalidParameter("AliasName", `names that start with "alias/acs" are reserved.`)
	}
	return nil
}

// pageRange is the valid range of PageSize for one list operation.
type pageRange struct {
	minSize, maxSize, defaultSize int64
}

// page is a validated PageNumber and PageSize.
type page struct {
	Number, Size int64
}

func (p page) limit() int64 {
	return p.Size
}

// offset cannot overflow: Number is at most 2^31-1 and Size at most 101.
func (p page) offset() int64 {
	return (p.Number - 1) * p.Size
}

// maxPageNumber is the largest PageNumber, the maximum of the API's 32-bit
// integer type.
const maxPageNumber = 2147483647

// parsePage validates PageNumber and PageSize. An empty value means "not
// given". Anything but plain decimal digits in range is rejected, so " 1",
// "+5", "1.5", "1e2" and "0x10" are errors rather than guesses.
func parsePage(number, size string, sizes pageRange) (page, error) {
	result := page{Number: 1, Size: sizes.defaultSize}

	if number != "" {
		value, ok := parseDecimal(number, 1, maxPageNumber)
		if !ok {
			return page{}, InvalidParameter("PageNumber",
				fmt.Sprintf("it must be an integer from 1 to %d.", maxPageNumber))
		}
		result.Number = value
	}

	if size != "" {
		value, ok := parseDecimal(size, sizes.minSize, sizes.maxSize)
		if !ok {
			return page{}, InvalidParameter("PageSize",
				fmt.Sprintf("it must be an integer from %d to %d.", sizes.minSize, sizes.maxSize))
		}
		result.Size = value
	}
	return result, nil
}

// parseDecimal accepts only ASCII digits, because strconv.ParseInt also
// accepts a sign.
func parseDecimal(text string, minValue, maxValue int64) (int64, bool) {
	for _, r := range text {
		if r < '0' || r > '9' {
			return 0, false
		}
	}

	value, err := strconv.ParseInt(text, 10, 64)
	if err != nil || value < minValue || value > maxValue {
		return 0, false
	}
	return value, true
}

// keyRefKind is the form of a KeyId parameter, one of four.
type keyRefKind int

const (
	refKeyID keyRefKind = iota
	refKeyARN
	refAliasName
	refAliasARN
)

// keyRef is a parsed KeyId parameter.
type keyRef struct {
	kind keyRefKind

	// keyID or aliasName, by kind.
	keyID     string
	aliasName string

	// foreign is set for an ARN of another account or region. Such a key is
	// treated as one that does not exist, never looked up.
	foreign bool
}

func (r keyRef) isAlias() bool {
	return r.kind == refAliasName || r.kind == refAliasARN
}

// parseKeyRef reads a KeyId parameter as a key ID, a key ARN
// (acs:kms:{region}:{account}:key/{id}), an alias name (alias/...) or an alias
// ARN (acs:kms:{region}:{account}:alias/...). A malformed ARN is taken as a
// key ID, which then is not found.
func parseKeyRef(scope repository.Scope, raw string) keyRef {
	if strings.HasPrefix(raw, "alias/") {
		return keyRef{kind: refAliasName, aliasName: raw}
	}

	const arnPrefix = "acs:kms:"
	if !strings.HasPrefix(raw, arnPrefix) {
		return keyRef{kind: refKeyID, keyID: raw}
	}

	parts := strings.SplitN(strings.TrimPrefix(raw, arnPrefix), ":", 3)
	if len(parts) != 3 {
		return keyRef{kind: refKeyID, keyID: raw}
	}
	region, account, resource := parts[0], parts[1], parts[2]
	foreign := region != scope.RegionID || account != scope.AccountID

	switch {
	case strings.HasPrefix(resource, "key/"):
		return keyRef{kind: refKeyARN, keyID: strings.TrimPrefix(resource, "key/"), foreign: foreign}
	case strings.HasPrefix(resource, "alias/"):
		return keyRef{kind: refAliasARN, aliasName: resource, foreign: foreign}
	default:
		return keyRef{kind: refKeyID, keyID: raw}
	}
}
