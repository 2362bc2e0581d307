package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"kmsmeta/internal/masterkey"
)

// composeDefault matches a compose variable with a default, ${NAME:-default}.
var composeDefault = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

// composeFile is the part of docker-compose.yml that names kmsmeta's
// settings.
type composeFile struct {
	Services map[string]struct {
		Environment map[string]string `yaml:"environment"`
		Command     []string          `yaml:"command"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

func TestComposeUsesKnownSettings(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatalf("read compose file: %v", err)
	}
	var compose composeFile
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatalf("parse compose file: %v", err)
	}
	service, ok := compose.Services["kmsmeta"]
	if !ok {
		t.Fatalf("compose file has no kmsmeta service")
	}

	var config serveConfig
	flags := newServeFlags(&config, io.Discard)
	for name := range service.Environment {
		if slices.Contains(environmentOnlyVariables, name) {
			continue
		}
		flagName := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "KMSMETA_"), "_", "-"))
		if !strings.HasPrefix(name, "KMSMETA_") || flags.Lookup(flagName) == nil {
			t.Errorf("compose sets %s, which no serve flag reads", name)
		}
	}

	// Compose fills ${NAME:-default} from the shell; without it, the
	// default applies.
	resolved := map[string]string{}
	for name, value := range service.Environment {
		resolved[name] = composeDefault.ReplaceAllString(value, "$1")
	}
	config, parseErr := parseServeFlags(nil, io.Discard, func(name string) string { return resolved[name] })
	if parseErr != nil {
		t.Errorf("serve rejects the compose environment: %v", parseErr)
	}
	if config.auth != "signature" || config.bootstrap == nil {
		t.Errorf("the compose environment serves with --auth %s and bootstrap key %v, want signatures and a bootstrap key",
			config.auth, config.bootstrap != nil)
	}
	if _, err := masterkey.Parse(resolved[masterKeyVariable]); err != nil {
		t.Errorf("the compose file's default master key: %v", err)
	}

	test := service.Healthcheck.Test
	if len(test) < 3 || test[0] != "CMD" || test[1] != "/usr/local/bin/kmsmeta" {
		t.Fatalf("health check %q does not run the kmsmeta binary", test)
	}
	if err := parseFlags(newHealthcheckFlags(&healthcheckConfig{}, io.Discard), test[3:], func(string) string { return "" }); err != nil || test[2] != "healthcheck" {
		t.Errorf("health check %q is not a valid kmsmeta healthcheck command: %v", test, err)
	}
}

func TestDockerfileMatchesModule(t *testing.T) {
	t.Parallel()
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	module, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatalf("read go.mod: %v", err)
	}

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(module)
	if goVersion == nil {
		t.Fatalf("go.mod has no go directive")
	}
	if !strings.Contains(string(dockerfile), "FROM golang:"+string(goVersion[1])+"-") {
		t.Errorf("Dockerfile does not build with Go %s, the version go.mod names", goVersion[1])
	}
	if !strings.Contains(string(dockerfile), "./cmd/kmsmeta") {
		t.Errorf("Dockerfile does not build ./cmd/kmsmeta")
	}
	if !regexp.MustCompile(`(?m)^CMD \["serve"\]`).Match(dockerfile) {
		t.Errorf("Dockerfile does not run serve by default")
	}
}
