package scenario

import (
	"strings"
	"testing"

	"github.com/wschaos/wschaos/client"
)

// TestParsePhasedJitter: a scenario may choose the phased jitter mode by
// name, and proportional's fraction is still refused with it.
func TestParsePhasedJitter(t *testing.T) {
	s, err := Parse("t.yaml", []byte("client: {backoff: {base: 50ms, cap: 800ms, jitter: phased}}\n"+base))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Client.Backoff.Jitter; got != client.JitterPhased {
		t.Fatalf("jitter = %v, want phased", got)
	}
	_, err = Parse("t.yaml", []byte("client: {backoff: {jitter: phased, fraction: 0.5}}\n"+base))
	if err == nil || !strings.Contains(err.Error(), "only applies to jitter proportional") {
		t.Fatalf("fraction with phased: err = %v, want it refused", err)
	}
}
