package httpapi_test

// Authentication as the official SDKs experience it: each SDK
// configuration signs with a wrong secret, an unknown access key, a
// disabled access key and another account's access key, and reports the
// API error that the server sent.

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestSDKAuthenticationErrors(t *testing.T) {
	unsetProxies(t)
	for _, kind := range sdkKinds {
		t.Run(kind.name, func(t *testing.T) {
			server := startSDKServer(t)
			owner := kind.client(t, server, sdkCredentials)
			key := sdkCreateKey(t, server, owner, "owned by the test account")
			sdkCreateAlias(t, server, owner, "alias/owned", key.KeyID)

			t.Run("wrong secret", func(t *testing.T) {
				client := kind.client(t, server, credentials{id: sdkAccessKeyID, secret: "wrong-secret/+=0123456789"})
				_, err := client.DescribeKey(key.KeyID)
				failure := expectSDKFailure(t, server, client, err, http.StatusBadRequest, "SignatureDoesNotMatch")
				if !strings.Contains(failure.Message, "server string to sign is:") {
					t.Errorf("the SDK reports message %q, want the server's string to sign in it", failure.Message)
				}
				// The legacy SDK compares the server's string to sign with
				// its own and blames the secret only when they are equal.
				if strings.HasPrefix(kind.name, "legacy") && !strings.Contains(failure.Recommend, "InvalidAccessKeySecret") {
					t.Errorf("the legacy SDK recommends %q, want InvalidAccessKeySecret: its string to sign differs from the server's",
						failure.Recommend)
				}
			})

			t.Run("unknown access key", func(t *testing.T) {
				client := kind.client(t, server, credentials{id: "LTAIunknownAccessKey0000", secret: sdkAccessKeySecret})
				_, err := client.DescribeKey(key.KeyID)
				failure := expectSDKFailure(t, server, client, err, http.StatusNotFound, "InvalidAccessKeyId.NotFound")
				if !strings.Contains(failure.Message, "The Access Key ID provided does not exist in our records.") {
					t.Errorf("the SDK reports message %q, want the API's message in it", failure.Message)
				}
			})

			t.Run("disabled access key", func(t *testing.T) {
				created, err := server.keys.Create(context.Background(), testAccount)
				if err != nil {
					t.Fatalf("create access key: %v", err)
				}
				client := kind.client(t, server, credentials{id: created.AccessKeyID, secret: created.AccessKeySecret})
				if _, err := client.DescribeKey(key.KeyID); err != nil {
					t.Fatalf("DescribeKey with the new access key: %v\n%s", err, server.last())
				}

				if _, err := server.keys.SetEnabled(context.Background(), created.AccessKeyID, false); err != nil {
					t.Fatalf("disable access key: %v", err)
				}
				_, err = client.DescribeKey(key.KeyID)
				expectSDKFailure(t, server, client, err, http.StatusBadRequest, "InvalidAccessKeyId.Inactive")
				err = client.CreateAlias("alias/by-disabled-key", key.KeyID)
				expectSDKFailure(t, server, client, err, http.StatusBadRequest, "InvalidAccessKeyId.Inactive")

				if _, err := server.keys.SetEnabled(context.Background(), created.AccessKeyID, true); err != nil {
					t.Fatalf("enable access key: %v", err)
				}
				if _, err := client.DescribeKey(key.KeyID); err != nil {
					t.Errorf("DescribeKey after enabling the access key again: %v\n%s", err, server.last())
				}
			})

			t.Run("another account", func(t *testing.T) {
				created, err := server.keys.Create(context.Background(), otherAccount)
				if err != nil {
					t.Fatalf("create access key: %v", err)
				}
				client := kind.client(t, server, credentials{id: created.AccessKeyID, secret: created.AccessKeySecret})

				_, err = client.DescribeKey(key.KeyID)
				expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.KeyNotFound")
				_, err = client.DescribeKey("alias/owned")
				expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.AliasNotFound")
				_, err = client.ListAliasesByKeyId(keyArn(key.KeyID), 1, 10)
				expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.KeyNotFound")
				err = client.CreateAlias("alias/stolen", key.KeyID)
				expectSDKFailure(t, server, client, err, http.StatusNotFound, "Forbidden.KeyNotFound")

				own := sdkCreateKey(t, server, client, "owned by the other account")
				if own.Creator != otherAccount {
					t.Errorf("CreateKey as the other account: Creator %q, want %s", own.Creator, otherAccount)
				}
				if want := "acs:kms:" + testRegion + ":" + otherAccount + ":key/" + own.KeyID; own.Arn != want {
					t.Errorf("CreateKey as the other account: Arn %q, want %q", own.Arn, want)
				}
			})

			checkRequests(t, server, owner)
		})
	}
}
