package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"kmsmeta/internal/signature"
)

const apiVersion = "2016-01-20"

// client sends KMS RPC requests, signed as the official SDKs sign them.
type client struct {
	config config
	http   *http.Client
	base   string
}

func newClient(c config) *client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Loopback load must not go through a proxy from the environment.
	transport.Proxy = nil
	transport.MaxIdleConnsPerHost = c.concurrency

	return &client{
		config: c,
		http:   &http.Client{Transport: transport, Timeout: 30 * time.Second},
		base:   c.scheme + "://" + c.endpoint + "/",
	}
}

// apiError is an error body of the KMS API.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends one action with its parameters and decodes a JSON success body
// into result, which may be nil. An error body becomes an *apiError.
func (c *client) call(ctx context.Context, action string, parameters map[string]string, result any) error {
	request, err := c.newRequest(ctx, action, parameters)
	if err != nil {
		return err
	}

	response, err := c.http.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return fmt.Errorf("read %s response: %w", action, err)
	}

	if response.StatusCode != http.StatusOK {
		failure := &apiError{Status: response.StatusCode}
		if err := json.Unmarshal(body, failure); err != nil {
			failure.Code = "(no error body)"
		}
		return failure
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(body, result); err != nil {
		return fmt.Errorf("decode %s response: %w", action, err)
	}
	return nil
}

func (c *client) newRequest(ctx context.Context, action string, parameters map[string]string) (*http.Request, error) {
	now := time.Now().UTC().Format(signature.TimestampLayout)
	nonce := uuid.NewString()

	if c.config.signature == "v3" {
		query := url.Values{}
		for name, value := range parameters {
			query.Set(name, value)
		}
		request, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"?"+query.Encode(), nil)
		if err != nil {
			return nil, err
		}
		request.Header.Set("x-acs-action", action)
		request.Header.Set("x-acs-version", apiVersion)
		request.Header.Set("x-acs-date", now)
		request.Header.Set("x-acs-signature-nonce", nonce)
		if err := signature.SignV3(request, nil, c.config.accessKeyID, c.config.accessKeySecret); err != nil {
			return nil, err
		}
		return request, nil
	}

	all := map[string]string{"Action": action, "Version": apiVersion, "Format": "JSON"}
	for name, value := range parameters {
		all[name] = value
	}
	if c.config.signature == "v1" {
		all["AccessKeyId"] = c.config.accessKeyID
		all["SignatureMethod"] = signature.MethodV1
		all["SignatureVersion"] = signature.VersionV1
		all["SignatureNonce"] = nonce
		all["Timestamp"] = now
		all["Signature"] = signature.SignV1(http.MethodGet, all, c.config.accessKeySecret)
	}

	query := url.Values{}
	for name, value := range all {
		query.Set(name, value)
	}
	return http.NewRequestWithContext(ctx, http.MethodGet, c.base+"?"+query.Encode(), nil)
}
