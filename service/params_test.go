package service

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func errorCodeOf(err error) string {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return ""
}

func TestParsePage(t *testing.T) {
	t.Parallel()
	sizes := pageRange{minSize: 0, maxSize: 101, defaultSize: 10}

	valid := []struct {
		number, size string
		want         page
	}{
		{"", "", page{1, 10}},
		{"1", "0", page{1, 0}},
		{"2147483647", "101", page{2147483647, 101}},
		{"007", "08", page{7, 8}},
	}
	for _, tc := range valid {
		got, err := parsePage(tc.number, tc.size, sizes)
		if err != nil {
			t.Errorf("parsePage(%q, %q): %v", tc.number, tc.size, err)
			continue
		}
		if got != tc.want {
			t.Errorf("parsePage(%q, %q) = %+v, want %+v", tc.number, tc.size, got, tc.want)
		}
	}

	for _, value := range []string{"0", "-1", "+1", " 1", "1 ", "1.0", "1e2", "0x10", "abc", "2147483648", "٣"} {
		_, err := parsePage(value, "", sizes)
		if code := errorCodeOf(err); code != CodeInvalidParameter || !strings.Contains(err.Error(), "PageNumber") {
			t.Errorf("PageNumber %q: error %v, want InvalidParameter naming PageNumber", value, err)
		}
	}
	for _, value := range []string{"102", "-0", "1_0", "9223372036854775808"} {
		_, err := parsePage("", value, sizes)
		if code := errorCodeOf(err); code != CodeInvalidParameter || !strings.Contains(err.Error(), "PageSize") {
			t.Errorf("PageSize %q: error %v, want InvalidParameter naming PageSize", value, err)
		}
	}
}

func TestPageOffsetLargest(t *testing.T) {
	t.Parallel()
	largest := page{Number: maxPageNumber, Size: 101}

	if got, want := largest.offset(), int64(2147483646)*101; got != want {
		t.Errorf("offset = %d, want %d", got, want)
	}
}

func TestParseKeyRef(t *testing.T) {
	t.Parallel()
	scope := Scope{AccountID: "1540355698848459", RegionID: "cn-hangzhou"}
	prefix := "acs:kms:cn-hangzhou:1540355698848459:"

	cases := []struct {
		raw  string
		want keyRef
	}{
		{"1234abcd-12ab-34cd-56ef-12345678abcd", keyRef{kind: refKeyID, keyID: "1234abcd-12ab-34cd-56ef-12345678abcd"}},
		{"key-hzz6f1b2c3d4e5f6a7b8c9", keyRef{kind: refKeyID, keyID: "key-hzz6f1b2c3d4e5f6a7b8c9"}},
		{prefix + "key/k1", keyRef{kind: refKeyARN, keyID: "k1"}},
		{"alias/a", keyRef{kind: refAliasName, aliasName: "alias/a"}},
		{prefix + "alias/a/b", keyRef{kind: refAliasARN, aliasName: "alias/a/b"}},
		{"acs:kms:cn-beijing:1540355698848459:key/k1", keyRef{kind: refKeyARN, keyID: "k1", foreign: true}},
		{"acs:kms:cn-hangzhou:1111111111111111:alias/a", keyRef{kind: refAliasARN, aliasName: "alias/a", foreign: true}},
		{"acs:kms:cn-hangzhou", keyRef{kind: refKeyID, keyID: "acs:kms:cn-hangzhou"}},
		{prefix + "secret/x", keyRef{kind: refKeyID, keyID: prefix + "secret/x"}},
		{"acs:ecs:cn-hangzhou:1540355698848459:key/k1", keyRef{kind: refKeyID, keyID: "acs:ecs:cn-hangzhou:1540355698848459:key/k1"}},
	}
	for _, tc := range cases {
		if got := parseKeyRef(scope, tc.raw); got != tc.want {
			t.Errorf("parseKeyRef(%q) = %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}

func TestValidateAliasName(t *testing.T) {
	t.Parallel()

	for _, name := range []string{"alias/a", "alias/" + strings.Repeat("Z", 255), "alias/a-b_c/d", "alias/Acs", "alias/ac"} {
		if err := validateAliasName(name); err != nil {
			t.Errorf("validateAliasName(%q) = %v, want nil", name, err)
		}
	}

	cases := map[string]string{
		"":                                  CodeMissingParameter,
		"alias/":                            CodeInvalidParameter,
		"alias/" + strings.Repeat("Z", 256): CodeInvalidParameter,
		"alias/acs":                         CodeInvalidParameter,
		"alias/acs/kms":                     CodeInvalidParameter,
		"alias/a.b":                         CodeInvalidParameter,
		"alias/é":                           CodeInvalidParameter,
		"ALIAS/a":                           CodeInvalidParameter,
		"alias/a\n":                         CodeInvalidParameter,
	}
	for name, code := range cases {
		if got := errorCodeOf(validateAliasName(name)); got != code {
			t.Errorf("validateAliasName(%q) code = %q, want %q", name, got, code)
		}
	}
}

func TestParseRotation(t *testing.T) {
	t.Parallel()

	valid := map[[2]string]time.Duration{
		{"", ""}:              0,
		{"false", ""}:         0,
		{"true", "7d"}:        7 * 24 * time.Hour,
		{"true", "168h"}:      7 * 24 * time.Hour,
		{"true", "31536000s"}: 365 * 24 * time.Hour,
		{"true", "1051200m"}:  730 * 24 * time.Hour,
	}
	for input, want := range valid {
		got, err := parseRotation(input[0], input[1])
		if err != nil || got != want {
			t.Errorf("parseRotation(%q, %q) = %v, %v; want %v", input[0], input[1], got, err, want)
		}
	}

	invalid := map[[2]string]string{
		{"TRUE", "7d"}:   CodeInvalidParameter,
		{"true", ""}:     CodeMissingParameter,
		{"true", "6d"}:   CodeInvalidParameter,
		{"true", "731d"}: CodeInvalidParameter,
		{"true", "7"}:    CodeInvalidParameter,
		{"true", "7w"}:   CodeInvalidParameter,
		{"true", "-7d"}:  CodeInvalidParameter,
		{"false", "7d"}:  CodeInvalidParameter,
		// 585 years overflow a time.Duration and once wrapped to 8 days.
		{"true", "213512d"}:    CodeInvalidParameter,
		{"true", "999999999d"}: CodeInvalidParameter,
		{"true", "999999999h"}: CodeInvalidParameter,
		{"true", "731d"}:       CodeInvalidParameter,
	}
	for input, code := range invalid {
		if _, err := parseRotation(input[0], input[1]); errorCodeOf(err) != code {
			t.Errorf("parseRotation(%q, %q) error %v, want code %s", input[0], input[1], err, code)
		}
	}
}

func TestParseKeyFiltersIntersection(t *testing.T) {
	t.Parallel()

	filter, err := parseKeyFilters(`[{"Key":"KeyState","Values":["Enabled","Disabled"]},{"Key":"KeyState","Values":["Disabled","PendingImport"]}]`)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if strings.Join(filter.States, ",") != "Disabled" {
		t.Errorf("States = %v, want the intersection [Disabled]", filter.States)
	}
	if filter.Specs != nil || filter.Usages != nil || filter.ProtectionLevels != nil {
		t.Errorf("unfiltered lists = %v %v %v, want nil", filter.Specs, filter.Usages, filter.ProtectionLevels)
	}

	empty, err := parseKeyFilters(`[{"Key":"KeySpec","Values":["RSA_2048"]},{"Key":"KeySpec","Values":["EC_P256"]}]`)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if empty.Specs == nil || len(empty.Specs) != 0 {
		t.Errorf("disjoint filters give %#v, want an empty, non-nil list that matches nothing", empty.Specs)
	}
}

func TestParseTagsLimits(t *testing.T) {
	t.Parallel()

	var many []string
	for i := range 21 {
		many = append(many, `{"TagKey":"k`+strings.Repeat("x", i)+`"}`)
	}
	cases := []string{
		"[" + strings.Join(many, ",") + "]",
		`[{"TagKey":"` + strings.Repeat("k", 129) + `"}]`,
		`[{"TagKey":"k","TagValue":"` + strings.Repeat("v", 257) + `"}]`,
		`[{"TagKey":""}]`,
	}
	for _, tags := range cases {
		if _, err := parseTags(tags); errorCodeOf(err) != CodeInvalidParameter {
			t.Errorf("parseTags(%.40s...) error %v, want InvalidParameter", tags, err)
		}
	}

	twenty, err := parseTags("[" + strings.Join(many[:20], ",") + "]")
	if err != nil || len(twenty) != 20 {
		t.Errorf("20 tags: %d parsed, error %v; want 20 and none", len(twenty), err)
	}
}
