package service

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"kmsmeta/repository"
)

// Limits of CreateKey's Tags, as KMS documents them.
const (
	maxTags           = 20
	maxTagKeyLength   = 128
	maxTagValueLength = 256
)

// parseTags reads Tags, a JSON array such as
// [{"TagKey":"team","TagValue":"payments"}].
func parseTags(text string) ([]repository.Tag, error) {
	if text == "" {
		return nil, nil
	}

	var tags []struct {
		TagKey   *string `json:"TagKey"`
		TagValue *string `json:"TagValue"`
	}
	if err := json.Unmarshal([]byte(text), &tags); err != nil {
		return nil, InvalidParameter("Tags", `it must be a JSON array such as [{"TagKey":"team","TagValue":"payments"}].`)
	}
	if len(tags) > maxTags {
		return nil, InvalidParameter("Tags", fmt.Sprintf("a key may have at most %d tags.", maxTags))
	}

	result := make([]repository.Tag, 0, len(tags))
	seen := map[string]bool{}
	for _, tag := range tags {
		if tag.TagKey == nil || *tag.TagKey == "" {
			return nil, InvalidParameter("Tags", "every tag needs a non-empty TagKey.")
		}
		key := *tag.TagKey
		value := ""
		if tag.TagValue != nil {
			value = *tag.TagValue
		}

		switch {
		case utf8.RuneCountInString(key) > maxTagKeyLength:
			return nil, InvalidParameter("Tags", fmt.Sprintf("TagKey %q is longer than %d characters.", key, maxTagKeyLength))
		case utf8.RuneCountInString(value) > maxTagValueLength:
			return nil, InvalidParameter("Tags", fmt.Sprintf("the value of %q is longer than %d characters.", key, maxTagValueLength))
		case strings.HasPrefix(key, "acs:") || strings.HasPrefix(key, "aliyun"):
			return nil, InvalidParameter("Tags", fmt.Sprintf(`TagKey %q is reserved: keys must not start with "acs:" or "aliyun".`, key))
		case strings.ContainsRune(key, 0) || strings.ContainsRune(value, 0):
			return nil, InvalidParameter("Tags", "tags must not contain NUL characters.")
		case seen[key]:
			return nil, InvalidParameter("Tags", fmt.Sprintf("TagKey %q is given twice.", key))
		}

		seen[key] = true
		result = append(result, repository.Tag{Key: key, Value: value})
	}
	return result, nil
}
