package httpapi_test

import (
	"context"
	"testing"
)

func TestInspectionViews(t *testing.T) {
	t.Parallel()
	server := startServer(t)
	first, second := server.createKey(t), server.keyInState(t, "Disabled")
	server.createAlias(t, "alias/b", first)
	server.createAlias(t, "alias/a", second)
	server.createAlias(t, "alias/c", second)
	ctx := context.Background()

	rows, err := server.pool.Query(ctx, `SELECT alias_name, alias_arn, key_id, key_arn, key_state FROM alias_overview ORDER BY alias_name`)
	if err != nil {
		t.Fatalf("query alias_overview: %v", err)
	}
	want := []struct{ name, keyID, state string }{{"alias/a", second, "Disabled"}, {"alias/b", first, "Enabled"}, {"alias/c", second, "Disabled"}}
	i := 0
	for rows.Next() {
		var name, aliasARN, keyID, keyARN, state string
		if err := rows.Scan(&name, &aliasARN, &keyID, &keyARN, &state); err != nil {
			t.Fatalf("scan alias_overview: %v", err)
		}
		if i >= len(want) {
			t.Errorf("extra row %s", name)
			continue
		}
		if name != want[i].name || keyID != want[i].keyID || state != want[i].state {
			t.Errorf("row %d = %s %s %s, want %v", i, name, keyID, state, want[i])
		}
		if aliasARN != "acs:kms:"+testRegion+":"+testAccount+":"+name {
			t.Errorf("alias_arn of %s = %s", name, aliasARN)
		}
		if keyARN != "acs:kms:"+testRegion+":"+testAccount+":key/"+keyID {
			t.Errorf("key_arn of %s = %s", name, keyARN)
		}
		i++
	}
	rows.Close()
	if i != len(want) {
		t.Errorf("alias_overview has %d rows, want %d", i, len(want))
	}

	var aliasCount int
	var aliasNames string
	err = server.pool.QueryRow(ctx, `SELECT alias_count, alias_names FROM key_overview WHERE key_id = $1`, second).Scan(&aliasCount, &aliasNames)
	if err != nil {
		t.Fatalf("query key_overview: %v", err)
	}
	if aliasCount != 2 || aliasNames != "alias/a, alias/c" {
		t.Errorf("key_overview = %d, %q; want 2, \"alias/a, alias/c\"", aliasCount, aliasNames)
	}
}

func TestCreateKeyTagsStored(t *testing.T) {
	t.Parallel()
	server := startServer(t)

	reply := server.mustCall(t, map[string]string{"Action": "CreateKey", "Tags": `[{"TagKey":"team","TagValue":"payments"},{"TagKey":"env"}]`})
	keyID := reply.JSON(t)["KeyMetadata"].(map[string]any)["KeyId"].(string)

	var tags string
	err := server.pool.QueryRow(context.Background(),
		`SELECT string_agg(tag_key || '=' || tag_value, ',' ORDER BY tag_key) FROM key_tags WHERE key_id = $1`, keyID).Scan(&tags)
	if err != nil {
		t.Fatalf("query key_tags: %v", err)
	}
	if tags != "env=,team=payments" {
		t.Errorf("stored tags = %q, want env= and team=payments", tags)
	}

	for _, invalid := range []string{
		`{"TagKey":"a"}`, `[{"TagValue":"x"}]`, `[{"TagKey":"acs:x","TagValue":"y"}]`, `[{"TagKey":"aliyun-x"}]`,
		`[{"TagKey":"a"},{"TagKey":"a"}]`, `not json`,
	} {
		body := expectError(t, server.get(t, map[string]string{"Action": "CreateKey", "Tags": invalid}), 400, "InvalidParameter")
		if message, _ := body["Message"].(string); message == "" {
			t.Errorf("Tags %s: empty message", invalid)
		}
	}
}
