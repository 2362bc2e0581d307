package signature

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseVerify times the server's whole signature check of each
// captured vector: parsing, canonicalization and the HMAC.
func BenchmarkParseVerify(b *testing.B) {
	for i, v := range loadVectors(b) {
		request := v.raw().request(b)
		b.Run(fmt.Sprintf("vector%d-%s", i, strings.Fields(v.Description)[0]), func(b *testing.B) {
			for b.Loop() {
				signed, err := Parse(request)
				if err != nil {
					b.Fatalf("parse: %v", err)
				}
				if err := signed.Verify(v.Secret); err != nil {
					b.Fatalf("verify: %v", err)
				}
			}
		})
	}
}
