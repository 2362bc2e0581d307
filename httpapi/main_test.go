package httpapi_test

import (
	"os"
	"testing"

	"kmsmeta/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}
