package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var lowercaseUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestListAliasesByKeyIdSampleJSON(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/ExampleAlias1", keyID)

	reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	if got := reply.Header.Get("Content-Type"); got != "application/json;charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	requestID := reply.Header.Get("x-acs-request-id")
	if !lowercaseUUID.MatchString(requestID) {
		t.Errorf("x-acs-request-id = %q, want a lowercase UUID", requestID)
	}

	// The whole body, byte for byte: field names, nesting, order, integer
	// types and the ARN built from region, account and name.
	want := fmt.Sprintf(`{"RequestId":%q,"PageNumber":1,"PageSize":10,"TotalCount":1,`+
		`"Aliases":{"Alias":[{"KeyId":%q,"AliasArn":"acs:kms:cn-hangzhou:%s:alias/ExampleAlias1","AliasName":"alias/ExampleAlias1"}]}}`+"\n",
		requestID, keyID, testAccount)
	if string(reply.Body) != want {
		t.Errorf("body =\n%s\nwant\n%s", reply.Body, want)
	}
}

func TestListAliasesByKeyIdSampleXML(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/ExampleAlias1", keyID)

	reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID, "Format": "XML"})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	if got := reply.Header.Get("Content-Type"); got != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<ListAliasesByKeyIdResponse><RequestId>` + reply.Header.Get("x-acs-request-id") + `</RequestId>` +
		`<PageNumber>1</PageNumber><PageSize>10</PageSize><TotalCount>1</TotalCount>` +
		`<Aliases><Alias><KeyId>` + keyID + `</KeyId>` +
		`<AliasArn>acs:kms:cn-hangzhou:` + testAccount + `:alias/ExampleAlias1</AliasArn>` +
		`<AliasName>alias/ExampleAlias1</AliasName></Alias></Aliases></ListAliasesByKeyIdResponse>`
	if string(reply.Body) != want {
		t.Errorf("body =\n%s\nwant\n%s", reply.Body, want)
	}
}

func TestListAliasesByKeyIdEmptyXMLKeepsWrapper(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID, "Format": "xml"})

	if reply.Status != http.StatusOK {
		t.Fatalf("status = %d, body %s", reply.Status, reply.Body)
	}
	if !strings.Contains(string(reply.Body), "<TotalCount>0</TotalCount><Aliases></Aliases>") {
		t.Errorf("body %s lacks an empty <Aliases> wrapper", reply.Body)
	}
}

// listPage fetches one page and returns TotalCount, PageNumber, PageSize and
// the alias names.
func listPage(t *testing.T, server *apiServer, keyID string, extra map[string]string) (total, number, size int64, names []string) {
	t.Helper()
	parameters := map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID}
	for name, value := range extra {
		parameters[name] = value
	}

	reply := server.get(t, parameters)
	if reply.Status != http.StatusOK {
		t.Fatalf("list %v: status %d, body %s", extra, reply.Status, reply.Body)
	}
	var body struct {
		PageNumber, PageSize, TotalCount int64
		Aliases                          *struct {
			Alias []struct{ KeyId, AliasArn, AliasName string }
		}
	}
	if err := json.Unmarshal(reply.Body, &body); err != nil {
		t.Fatalf("decode %s: %v", reply.Body, err)
	}
	if body.Aliases == nil || body.Aliases.Alias == nil {
		t.Fatalf("list %v: body %s lacks the Aliases.Alias wrapper", extra, reply.Body)
	}
	// Responses carry the bare key ID, also when the request gave an ARN.
	bareKeyID := keyID[strings.LastIndex(keyID, ":key/")+len(":key/"):]
	if !strings.Contains(keyID, ":key/") {
		bareKeyID = keyID
	}
	for _, alias := range body.Aliases.Alias {
		if alias.KeyId != bareKeyID {
			t.Errorf("alias %s has KeyId %s, want %s", alias.AliasName, alias.KeyId, bareKeyID)
		}
		names = append(names, alias.AliasName)
	}
	return body.TotalCount, body.PageNumber, body.PageSize, names
}

func TestListAliasesByKeyIdPaging(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	otherKeyID := server.createKey(t)
	server.createAlias(t, "alias/other-key", otherKeyID)

	var all []string
	for i := range 25 {
		name := fmt.Sprintf("alias/a%02d", i)
		server.createAlias(t, name, keyID)
		all = append(all, name)
	}

	var seen []string
	for pageNumber, wantLength := range map[int]int{1: 10, 2: 10, 3: 5} {
		total, number, size, names := listPage(t, server, keyID, map[string]string{"PageNumber": fmt.Sprint(pageNumber)})
		if total != 25 {
			t.Errorf("page %d: TotalCount = %d, want 25", pageNumber, total)
		}
		if number != int64(pageNumber) {
			t.Errorf("page %d: PageNumber = %d", pageNumber, number)
		}
		if size != 10 {
			t.Errorf("page %d: PageSize = %d, want the default 10", pageNumber, size)
		}
		if len(names) != wantLength {
			t.Errorf("page %d: %d aliases, want %d", pageNumber, len(names), wantLength)
		}
		if pageNumber < 3 && len(names) == 10 && names[0] != all[(pageNumber-1)*10] {
			t.Errorf("page %d starts with %s, want %s", pageNumber, names[0], all[(pageNumber-1)*10])
		}
		seen = append(seen, names...)
	}
	sort.Strings(seen)
	if strings.Join(seen, ",") != strings.Join(all, ",") {
		t.Errorf("pages together hold %v, want each of %v once", seen, all)
	}

	total, _, _, names := listPage(t, server, keyID, map[string]string{"PageNumber": "4"})
	if total != 25 || len(names) != 0 {
		t.Errorf("past the end: TotalCount %d and %d aliases, want 25 and 0", total, len(names))
	}

	total, _, _, names = listPage(t, server, keyID, map[string]string{"PageNumber": "2147483647", "PageSize": "101"})
	if total != 25 || len(names) != 0 {
		t.Errorf("last PageNumber: TotalCount %d and %d aliases, want 25 and 0", total, len(names))
	}

	total, _, size, names := listPage(t, server, keyID, map[string]string{"PageSize": "0"})
	if total != 25 || size != 0 || len(names) != 0 {
		t.Errorf("PageSize 0: TotalCount %d, PageSize %d, %d aliases; want 25, 0, 0", total, size, len(names))
	}

	for _, pageSize := range []string{"100", "101"} {
		total, _, size, names := listPage(t, server, keyID, map[string]string{"PageSize": pageSize})
		if total != 25 || fmt.Sprint(size) != pageSize || len(names) != 25 {
			t.Errorf("PageSize %s: TotalCount %d, PageSize %d, %d aliases; want 25, %s, 25", pageSize, total, size, len(names), pageSize)
		}
	}

	total, _, _, names = listPage(t, server, keyID, map[string]string{"PageSize": "", "PageNumber": ""})
	if total != 25 || len(names) != 10 {
		t.Errorf("empty paging values: TotalCount %d and %d aliases, want the defaults (25, 10)", total, len(names))
	}
}

func TestListAliasesByKeyIdInvalidPaging(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	invalid := []string{"-1", "1.5", " 1", "1 ", "+5", "1e2", "abc", "0x10", "2147483648", "99999999999999999999", "１"}
	for _, parameter := range []string{"PageNumber", "PageSize"} {
		values := append([]string{}, invalid...)
		if parameter == "PageNumber" {
			values = append(values, "0")
		} else {
			values = append(values, "102")
		}

		for _, value := range values {
			reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": keyID, parameter: value})
			body := expectError(t, reply, http.StatusBadRequest, "InvalidParameter")
			if message, _ := body["Message"].(string); !strings.Contains(message, parameter) {
				t.Errorf("%s=%q: message %q does not name the parameter", parameter, value, message)
			}
		}
	}
}

func TestListAliasesByKeyIdByteOrder(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)

	names := []string{
		"alias/a", "alias/A", "alias/b", "alias/B", "alias/_x", "alias/-x", "alias/0", "alias/9",
		"alias/a/b", "alias/a-b", "alias/a_b", "alias/aB", "alias/ab", "alias/Z", "alias/z",
	}
	shuffled := append([]string{}, names...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, name := range shuffled {
		server.createAlias(t, name, keyID)
	}

	_, _, _, got := listPage(t, server, keyID, map[string]string{"PageSize": "100"})

	want := append([]string{}, names...)
	sort.Strings(want) // Go compares strings bytewise, as COLLATE "C" does.
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v\nwant    %v", got, want)
	}
}

func TestListAliasesByKeyIdKeyArn(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/by-arn", keyID)

	arn := "acs:kms:" + testRegion + ":" + testAccount + ":key/" + keyID
	total, _, _, names := listPage(t, server, arn, nil)

	if total != 1 || len(names) != 1 {
		t.Fatalf("TotalCount %d and %d aliases, want 1 and 1", total, len(names))
	}
	// listPage checks that every entry carries the bare key ID; check the raw
	// body too, in case decoding hid something.
	reply := server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": arn})
	if !strings.Contains(string(reply.Body), `"KeyId":"`+keyID+`"`) {
		t.Errorf("body %s lacks the bare key ID", reply.Body)
	}
}

func TestListAliasesByKeyIdNotFound(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	keyID := server.createKey(t)
	server.createAlias(t, "alias/mine", keyID)
	other := startServerOn(t, server.pool, "1234567890123456")

	cases := map[string]struct {
		server *apiServer
		keyID  string
	}{
		"unknown key":          {server, "08c33a6f-4e0a-4a1b-a3fa-7ddfa1d40000"},
		"new-format key ID":    {server, "key-hzz6f1b2c3d4e5f6a7b8c9"},
		"another account":      {other, keyID},
		"ARN of other account": {server, "acs:kms:" + testRegion + ":1234567890123456:key/" + keyID},
		"ARN of other region":  {server, "acs:kms:cn-shanghai:" + testAccount + ":key/" + keyID},
		"alias name":           {server, "alias/mine"},
		"alias ARN":            {server, "acs:kms:" + testRegion + ":" + testAccount + ":alias/mine"},
		"malformed ARN":        {server, "acs:kms:" + testRegion},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			reply := tc.server.get(t, map[string]string{"Action": "ListAliasesByKeyId", "KeyId": tc.keyID})
			expectError(t, reply, http.StatusNotFound, "Forbidden.KeyNotFound")
		})
	}
}

func TestListAliasesByKeyIdMissingKeyId(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	for _, parameters := range []map[string]string{
		{"Action": "ListAliasesByKeyId"},
		{"Action": "ListAliasesByKeyId", "KeyId": ""},
	} {
		reply := server.get(t, parameters)
		body := expectError(t, reply, http.StatusBadRequest, "MissingParameter")
		if body["Message"] != `The parameter "KeyId" is needed but not provided.` {
			t.Errorf("Message = %q", body["Message"])
		}
	}
}
